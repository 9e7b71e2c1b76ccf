using System.Net;
using System.Net.Sockets;
using CmgSim.Core;

namespace CmgSim.Client.Tests;

public sealed class ClientFlowTests(SiteHost site) : IClassFixture<SiteHost>
{
    private static Uri Url(int port, long id) => new($"https://{LabPki.ServiceName}:{port}{CmgPaths.MutualAuthPath(id)}");

    [Fact]
    public async Task All_steps_succeed_against_the_mp_and_sup()
    {
        using var http = new HttpClient(CmgClientHttp.CreateHandler(site.Pki.ClientCertificate, site.Pki.Root, LabPki.ServiceName, LabPki.Loopback(0)));
        var flow = new ClientFlow(http, Url(site.Port, SiteHost.MpId), Url(site.Port, SiteHost.SupId), TimeProvider.System);

        var results = await flow.RunAsync();

        Assert.Equal(["MPLIST", "SITESIGNCERT", "CCM_POST", "GetConfig"], results.Select(r => r.Step));
        Assert.All(results, r =>
        {
            Assert.True(r.Succeeded, $"{r.Step}: {r.Detail}");
            Assert.Equal(200, r.Status);
            Assert.True(r.Elapsed > TimeSpan.Zero);
            Assert.StartsWith($"https://{LabPki.ServiceName}:{site.Port}/CCM_Proxy_MutualAuth/", r.Endpoint, StringComparison.Ordinal);
        });
        Assert.Contains("Site PS1", results[2].Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_client_certificate_the_tls_handshake_fails_and_is_captured()
    {
        using var http = new HttpClient(CmgClientHttp.CreateHandler(null, site.Pki.Root, LabPki.ServiceName, LabPki.Loopback(0)));
        var flow = new ClientFlow(http, Url(site.Port, SiteHost.MpId), Url(site.Port, SiteHost.SupId), TimeProvider.System);

        var results = await flow.RunAsync();

        Assert.All(results, r => Assert.False(r.Succeeded));
    }

    [Fact]
    public async Task A_server_certificate_from_another_root_is_refused()
    {
        using var otherPki = new LabPki();
        using var http = new HttpClient(CmgClientHttp.CreateHandler(site.Pki.ClientCertificate, otherPki.Root, LabPki.ServiceName, LabPki.Loopback(0)));
        var flow = new ClientFlow(http, Url(site.Port, SiteHost.MpId), Url(site.Port, SiteHost.SupId), TimeProvider.System);

        var results = await flow.RunAsync();

        Assert.All(results, r =>
        {
            Assert.False(r.Succeeded);
            Assert.Null(r.Status);
            Assert.Contains("Authentication", r.Detail, StringComparison.OrdinalIgnoreCase);
        });
    }

    [Fact]
    public async Task A_name_that_does_not_match_the_server_certificate_is_refused()
    {
        using var http = new HttpClient(CmgClientHttp.CreateHandler(site.Pki.ClientCertificate, site.Pki.Root, "other.contoso.test", LabPki.Loopback(0)));
        var flow = new ClientFlow(
            http,
            new Uri($"https://other.contoso.test:{site.Port}{CmgPaths.MutualAuthPath(SiteHost.MpId)}"),
            new Uri($"https://other.contoso.test:{site.Port}{CmgPaths.MutualAuthPath(SiteHost.SupId)}"),
            TimeProvider.System);

        var results = await flow.RunAsync();

        Assert.All(results, r => Assert.False(r.Succeeded));
    }

    [Fact]
    public async Task Against_a_stopped_server_every_step_fails_with_a_detail_and_nothing_throws()
    {
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
        }

        using var http = new HttpClient(CmgClientHttp.CreateHandler(site.Pki.ClientCertificate, site.Pki.Root, LabPki.ServiceName, LabPki.Loopback(0)));
        var flow = new ClientFlow(http, Url(port, SiteHost.MpId), Url(port, SiteHost.SupId), TimeProvider.System);

        var results = await flow.RunAsync();

        Assert.Equal(4, results.Count);
        Assert.All(results, r =>
        {
            Assert.False(r.Succeeded);
            Assert.Null(r.Status);
            Assert.False(string.IsNullOrWhiteSpace(r.Detail));
        });
    }

    [Fact]
    public async Task An_unknown_path_reports_the_http_status()
    {
        using var http = new HttpClient(CmgClientHttp.CreateHandler(site.Pki.ClientCertificate, site.Pki.Root, LabPki.ServiceName, LabPki.Loopback(0)));
        var flow = new ClientFlow(http, Url(site.Port, 12345), Url(site.Port, 67890), TimeProvider.System);

        var results = await flow.RunAsync();

        Assert.All(results, r =>
        {
            Assert.False(r.Succeeded);
            Assert.Equal(404, r.Status);
            Assert.StartsWith("HTTP 404", r.Detail, StringComparison.Ordinal);
        });
    }
}
