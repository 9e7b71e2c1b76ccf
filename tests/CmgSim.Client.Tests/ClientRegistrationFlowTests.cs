using CmgSim.Core;

namespace CmgSim.Client.Tests;

public sealed class ClientRegistrationFlowTests(SiteHost site) : IClassFixture<SiteHost>
{
    private static Uri Url(int port, long id) => new($"https://{LabPki.ServiceName}:{port}{CmgPaths.MutualAuthPath(id)}");

    [Fact]
    public async Task Register_through_the_cmg_gets_an_smsid_and_re_registering_keeps_it()
    {
        using var http = new HttpClient(CmgClientHttp.CreateHandler(site.Pki.ClientCertificate, site.Pki.Root, LabPki.ServiceName, LabPki.Loopback(0)));
        var flow = new ClientFlow(http, Url(site.Port, SiteHost.MpId), Url(site.Port, SiteHost.SupId), TimeProvider.System);
        using var identity = ClientIdentity.Create("client42", TimeProvider.System.GetUtcNow());

        var first = await flow.RegisterAsync(identity);
        var assigned = identity.SmsId;
        var second = await flow.RegisterAsync(identity);

        Assert.True(first.Succeeded, first.Detail);
        Assert.Equal(ClientFlow.RegisterStep, first.Step);
        Assert.EndsWith("/ccm_system/request", first.Endpoint, StringComparison.Ordinal);
        Assert.Matches("^GUID:[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$", assigned);
        Assert.True(second.Succeeded, second.Detail);
        Assert.Equal(assigned, identity.SmsId);
        Assert.Contains(assigned!, second.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_proposed_smsid_is_kept()
    {
        using var http = new HttpClient(CmgClientHttp.CreateHandler(site.Pki.ClientCertificate, site.Pki.Root, LabPki.ServiceName, LabPki.Loopback(0)));
        var flow = new ClientFlow(http, Url(site.Port, SiteHost.MpId), Url(site.Port, SiteHost.SupId), TimeProvider.System);
        var proposed = "GUID:" + Guid.NewGuid().ToString().ToUpperInvariant();
        using var identity = ClientIdentity.Create("client43", TimeProvider.System.GetUtcNow(), proposed);

        var result = await flow.RegisterAsync(identity);

        Assert.True(result.Succeeded, result.Detail);
        Assert.Equal(proposed, identity.SmsId);
    }
}
