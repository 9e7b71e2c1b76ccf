using CmgSim.Core;
using CmgSim.Core.Topology;
using CmgSim.Identity.Entra;
using CmgSim.Identity.Pki;

namespace CmgSim.Topology.Roles;

/// <summary>
/// Assembles the <c>topology.json</c> contract (docs/topology-schema.md) from what the roles report, whether
/// they run in one process or in several.
/// </summary>
public sealed class TopologyDocumentBuilder
{
    public required RoleLabSettings Lab { get; init; }

    public required LabPki Pki { get; init; }

    /// <summary>The CMG's public URL as reachable here, e.g. <c>https://127.0.0.1:8443</c>.</summary>
    public required Uri PublicUrl { get; init; }

    public required IReadOnlyList<VmInstanceEntry> Instances { get; init; }

    public required IReadOnlyList<ConnectionPointEntry> ConnectionPoints { get; init; }

    public required Uri ManagementPointUrl { get; init; }

    public required Uri SoftwareUpdatePointUrl { get; init; }

    /// <summary>The onboarded Entra tenant; null leaves <c>entra</c> out.</summary>
    public EntraTrust? Entra { get; init; }

    /// <summary>The site token service's material; null leaves <c>siteTokens</c> out.</summary>
    public (Guid HierarchyId, string SigningCertificatePem)? SiteTokens { get; init; }

    /// <summary>The VM size profile of every instance; null leaves <c>vmSize</c> out.</summary>
    public string? VmSize { get; init; }

    /// <summary>A VM instance's entry from its URLs (trailing slashes dropped, as the schema says).</summary>
    public static VmInstanceEntry Instance(string name, Uri instanceUrl, Uri channelUrl, Uri? statusUrl = null) => new()
    {
        Name = name,
        Url = Trim(instanceUrl),
        TunnelUrl = Trim(channelUrl),
        StatusUrl = statusUrl?.AbsoluteUri,
    };

    public TopologyDocument Build()
    {
        var layout = Lab.Layout;
        return new TopologyDocument
        {
            ServiceName = Lab.ServiceName,
            PublicUrl = Trim(PublicUrl),
            SiteCode = Lab.SiteCode,
            VmSize = VmSize,
            Instances = Instances,
            ConnectionPoints = ConnectionPoints,
            Roles =
            [
                RoleEntry(SiteRoleKind.ManagementPoint, Lab.ManagementPointEndpointId, ManagementPointUrl),
                RoleEntry(SiteRoleKind.SoftwareUpdatePoint, Lab.SoftwareUpdatePointEndpointId, SoftwareUpdatePointUrl),
            ],
            Pki = new PkiEntry
            {
                RootCaPem = Pki.RootCaPemPath,
                IssuingCaPem = Pki.IssuingCaPemPath,
                CrlPath = Pki.CrlPath,
                ServerCertPem = Pki.ServerCertPemPath,
                Clients = Pki.Clients.Select(static c => new ClientCertificateEntry { Name = c.Name, CertPem = c.CertPemPath, KeyPem = c.KeyPemPath, Pfx = c.PfxPath }).ToArray(),
            },
            LogsDirectory = layout.LogsDirectory,
            Entra = BuildEntra(layout),
            SiteTokens = SiteTokens is { } site ? new SiteTokensEntry { HierarchyId = site.HierarchyId, SigningCertificatePem = site.SigningCertificatePem } : null,
        };
    }

    private EntraEntry? BuildEntra(LabLayout layout)
    {
        if (Entra is not { } entra)
        {
            return null;
        }

        var tenant = entra.OnboardedTenant;
        return new EntraEntry
        {
            Authority = entra.AuthorityFor(tenant.TenantId),
            TenantId = tenant.TenantId,
            ClientAppId = entra.ClientApp.AppId,
            AppIdUri = entra.ServerApp.AppIdUri!,
            Devices = tenant.Devices.Select((d, i) => new EntraDeviceEntry
            {
                Name = i < Pki.Clients.Count ? Pki.Clients[i].Name : d.DisplayName.ToLowerInvariant(),
                DeviceId = d.DeviceId,
                WpjPfx = EntraDeviceCertificates.PathFor(layout.EntraDirectory, d.DisplayName),
            }).ToArray(),
            Users = tenant.Users.Select(static u => new EntraUserEntry { UserPrincipalName = u.UserPrincipalName, Password = u.Password, ObjectId = u.ObjectId }).ToArray(),
            NotOnboardedTenantId = entra.NotOnboardedTenant?.TenantId,
        };
    }

    private SiteRoleEntry RoleEntry(SiteRoleKind kind, long endpointId, Uri internalUrl) => new()
    {
        Kind = kind,
        EndpointId = endpointId,
        MutualAuthPath = CmgPaths.MutualAuthPath(endpointId),
        ServerAuthPath = CmgPaths.ServerAuthPath(endpointId),
        InternalUrl = Trim(internalUrl),

        // The SUP is co-located with the MP on the site system, as in a default primary site.
        Fqdn = Lab.ManagementPointFqdn,
    };

    private static string Trim(Uri url) => url.AbsoluteUri.TrimEnd('/');
}
