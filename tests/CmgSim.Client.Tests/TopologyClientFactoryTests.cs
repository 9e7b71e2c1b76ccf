using System.Security.Cryptography.X509Certificates;
using CmgSim.Core;
using CmgSim.Core.Topology;

namespace CmgSim.Client.Tests;

public sealed class TopologyClientFactoryTests(SiteHost site) : IClassFixture<SiteHost>, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("cmgsim-client-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Builds_a_working_client_from_topology_pem_files()
    {
        var rootPem = Path.Combine(_directory, "root.pem");
        var certPem = Path.Combine(_directory, "client01.pem");
        var keyPem = Path.Combine(_directory, "client01.key");
        await File.WriteAllTextAsync(rootPem, site.Pki.Root.ExportCertificatePem());
        await File.WriteAllTextAsync(certPem, site.Pki.ClientCertificate.ExportCertificatePem());
        using (var key = site.Pki.ClientCertificate.GetRSAPrivateKey()!)
        {
            await File.WriteAllTextAsync(keyPem, key.ExportPkcs8PrivateKeyPem());
        }

        var topology = new TopologyDocument
        {
            ServiceName = LabPki.ServiceName,
            PublicUrl = $"https://127.0.0.1:{site.Port}",
            SiteCode = "PS1",
            Instances = [],
            ConnectionPoints = [],
            Roles =
            [
                Role(SiteRoleKind.ManagementPoint, SiteHost.MpId),
                Role(SiteRoleKind.SoftwareUpdatePoint, SiteHost.SupId),
            ],
            Pki = new PkiEntry
            {
                RootCaPem = rootPem,
                IssuingCaPem = rootPem,
                CrlPath = Path.Combine(_directory, "none.crl"),
                ServerCertPem = rootPem,
                Clients = [new ClientCertificateEntry { Name = "client01", CertPem = certPem, KeyPem = keyPem }],
            },
            LogsDirectory = _directory,
        };

        using var session = TopologyClientFactory.Create(topology, 0, TimeProvider.System);
        var results = await session.RunAsync();

        Assert.Equal(new Uri($"https://{LabPki.ServiceName}:{site.Port}/CCM_Proxy_MutualAuth/{SiteHost.MpId}"), session.ManagementPointBaseUrl);
        Assert.All(results, r => Assert.True(r.Succeeded, $"{r.Step}: {r.Detail}"));
    }

    private static SiteRoleEntry Role(SiteRoleKind kind, long id) => new()
    {
        Kind = kind,
        EndpointId = id,
        MutualAuthPath = CmgPaths.MutualAuthPath(id),
        ServerAuthPath = CmgPaths.ServerAuthPath(id),
        InternalUrl = "https://127.0.0.1:1",
    };
}
