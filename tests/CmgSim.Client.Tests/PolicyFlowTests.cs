using CmgSim.Core;

namespace CmgSim.Client.Tests;

public sealed class PolicyFlowTests(SiteHost site) : IClassFixture<SiteHost>
{
    private static Uri Url(int port, long id) => new($"https://{LabPki.ServiceName}:{port}{CmgPaths.MutualAuthPath(id)}");

    [Fact]
    public async Task A_registered_client_gets_its_policy_and_reads_the_naa_credentials()
    {
        using var http = new HttpClient(CmgClientHttp.CreateHandler(site.Pki.ClientCertificate, site.Pki.Root, LabPki.ServiceName, LabPki.Loopback(0)));
        var registration = new ClientFlow(http, Url(site.Port, SiteHost.MpId), Url(site.Port, SiteHost.SupId), TimeProvider.System);
        using var identity = ClientIdentity.Create("client51", TimeProvider.System.GetUtcNow());
        var registered = await registration.RegisterAsync(identity);
        Assert.True(registered.Succeeded, registered.Detail);

        var policies = await new PolicyFlow(http, Url(site.Port, SiteHost.MpId), TimeProvider.System).RunAsync(identity);

        Assert.Contains(policies, p => p.Category == "ClientAgentConfig" && p.Secrets.Count == 0);
        var naa = Assert.Single(policies, p => p.Category == "NAAConfig");
        Assert.Equal(@"CONTOSO\svc-cm-naa", naa.Secrets["NetworkAccessUsername"]);
        Assert.Equal("Lab-NAA-Passw0rd!", naa.Secrets["NetworkAccessPassword"]);
    }
}
