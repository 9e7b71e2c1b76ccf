using System.Net;
using CmgSim.Core;
using CmgSim.SoftwareUpdatePoint;
using CmgSim.SoftwareUpdatePoint.Catalog;
using CmgSim.SoftwareUpdatePoint.Registration;
using CmgSim.SoftwareUpdatePoint.Reporting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CmgSim.Client.Tests;

/// <summary>A lone SUP over TLS (server certificate from the lab root) with small SyncUpdates pages.</summary>
public sealed class WsusSupHost : IAsyncLifetime
{
    public const int PageSize = 5;

    private WebApplication? _app;

    internal LabPki Pki { get; } = new();

    public int Port { get; private set; }

    public IServiceProvider Services => _app!.Services;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0, l => l.UseHttps(Pki.Server)));
        builder.Services.AddSoftwareUpdatePoint(o => o.SyncPageSize = PageSize);
        _app = builder.Build();
        _app.MapSoftwareUpdatePoint();
        await _app.StartAsync();
        Port = new Uri(_app.Urls.First()).Port;
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        Pki.Dispose();
    }
}

public sealed class WsusScanFlowTests(WsusSupHost sup) : IClassFixture<WsusSupHost>
{
    private HttpClient CreateHttp() => new(CmgClientHttp.CreateHandler(null, sup.Pki.Root, LabPki.ServiceName, LabPki.Loopback(0)));

    private Uri SupUrl => new($"https://{LabPki.ServiceName}:{sup.Port}");

    [Fact]
    public async Task The_whole_sequence_runs_with_paging_and_reports_events()
    {
        using var http = CreateHttp();
        var options = new WsusScanFlowOptions { ClientId = "e2e-client", DnsName = "e2e.contoso.com", OSBuildNumber = 22631 };
        var flow = new WsusScanFlow(http, SupUrl, TimeProvider.System, options);

        var result = await flow.RunAsync();

        Assert.True(result.Succeeded, string.Join(Environment.NewLine, result.Steps.Select(s => $"{s.Step}: {s.Detail}")));
        var expected = sup.Services.GetRequiredService<UpdateCatalog>().ApplicableTo(22631, excludeSuperseded: true).Select(r => r.RevisionId).ToList();
        var pages = (expected.Count + WsusSupHost.PageSize - 1) / WsusSupHost.PageSize;
        Assert.True(pages >= 3, $"the catalog gives only {expected.Count} updates for the build");
        Assert.Equal(
            ["GetConfig", "GetAuthorizationCookie", "GetCookie", "RegisterComputer", .. Enumerable.Repeat("SyncUpdates", result.SyncPages), "GetExtendedUpdateInfo", "ReportEventBatch"],
            result.Steps.Select(s => s.Step));
        Assert.InRange(result.SyncPages, pages, pages + 1);
        Assert.Equal(expected.Order(), result.UpdateRevisionIds.Order());
        Assert.Equal(result.UpdateRevisionIds.Count, result.UpdateRevisionIds.Distinct().Count());
        Assert.Contains("truncated false", result.Steps.Last(s => s.Step == "SyncUpdates").Detail, StringComparison.Ordinal);
        Assert.All(result.Steps, s =>
        {
            Assert.Equal(200, s.Status);
            Assert.StartsWith(SupUrl.AbsoluteUri.TrimEnd('/') + "/", s.Endpoint, StringComparison.Ordinal);
        });
        Assert.EndsWith("/ReportingWebService/ReportingWebService.asmx", result.Steps[^1].Endpoint, StringComparison.Ordinal);

        Assert.Equal(expected.Count + 1, result.EventsReported);
        Assert.Equal(result.EventsReported, sup.Services.GetRequiredService<ReportingEventStore>().CountFor("e2e-client"));
        Assert.Equal(22631, sup.Services.GetRequiredService<ComputerRegistry>().Find("e2e-client")!.OSBuildNumber);
    }

    [Fact]
    public async Task Two_builds_scan_different_update_sets()
    {
        using var http = CreateHttp();
        var server = await new WsusScanFlow(http, SupUrl, TimeProvider.System, new WsusScanFlowOptions { ClientId = "srv2019", OSBuildNumber = 17763 }).RunAsync();
        var client = await new WsusScanFlow(http, SupUrl, TimeProvider.System, new WsusScanFlowOptions { ClientId = "win10", OSBuildNumber = 19045 }).RunAsync();

        Assert.True(server.Succeeded && client.Succeeded);
        Assert.False(server.UpdateRevisionIds.ToHashSet().SetEquals(client.UpdateRevisionIds));
    }

    [Fact]
    public async Task A_fault_stops_the_chain_and_names_the_error_code()
    {
        using var http = CreateHttp();
        var flow = new WsusScanFlow(http, SupUrl, TimeProvider.System, new WsusScanFlowOptions { ClientId = "bad", ProtocolVersion = "v2" });

        var result = await flow.RunAsync();

        Assert.False(result.Succeeded);
        Assert.Equal(["GetConfig", "GetAuthorizationCookie", "GetCookie"], result.Steps.Select(s => s.Step));
        var failed = result.Steps[^1];
        Assert.False(failed.Succeeded);
        Assert.Equal(500, failed.Status);
        Assert.StartsWith("HTTP 500 SOAP fault InvalidParameters:", failed.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Against_a_stopped_server_the_first_step_fails_and_nothing_throws()
    {
        int port;
        using (var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
        }

        using var http = CreateHttp();
        var result = await new WsusScanFlow(http, new Uri($"https://{LabPki.ServiceName}:{port}"), TimeProvider.System).RunAsync();

        var step = Assert.Single(result.Steps);
        Assert.Equal("GetConfig", step.Step);
        Assert.Null(step.Status);
        Assert.False(string.IsNullOrWhiteSpace(step.Detail));
    }
}

/// <summary>The scan through the MutualAuth path of the MP+SUP site host, with a client certificate.</summary>
public sealed class WsusScanFlowSiteTests(SiteHost site) : IClassFixture<SiteHost>
{
    [Fact]
    public async Task The_scan_runs_under_the_mutual_auth_prefix()
    {
        using var http = new HttpClient(CmgClientHttp.CreateHandler(site.Pki.ClientCertificate, site.Pki.Root, LabPki.ServiceName, LabPki.Loopback(0)));
        var supUrl = new Uri($"https://{LabPki.ServiceName}:{site.Port}{CmgPaths.MutualAuthPath(SiteHost.SupId)}");

        var result = await new WsusScanFlow(http, supUrl, TimeProvider.System).RunAsync();

        Assert.True(result.Succeeded, string.Join(Environment.NewLine, result.Steps.Select(s => $"{s.Step}: {s.Detail}")));
        Assert.NotEmpty(result.UpdateRevisionIds);
        Assert.True(result.SyncPages >= 2, $"default page size 20, {result.UpdateRevisionIds.Count} updates: {result.SyncPages} page(s)");
        Assert.All(result.Steps, s => Assert.StartsWith(supUrl.AbsoluteUri + "/", s.Endpoint, StringComparison.Ordinal));
    }
}
