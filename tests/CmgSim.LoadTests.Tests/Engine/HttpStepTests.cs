using CmgSim.Core.Errors;
using CmgSim.LoadTests.Engine;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CmgSim.LoadTests.Tests.Engine;

public sealed class HttpStepTests
{
    [Fact]
    public async Task Http_steps_against_kestrel_on_loopback_count_statuses_bytes_and_cmg_error_codes()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var app = builder.Build();
        app.MapGet("/ok", () => "hello");
        app.MapGet("/busy", (HttpContext context) =>
        {
            context.Response.Headers[CmgErrorInfo.ErrorCodeHeader] = "CMGConnector_ServiceUnavailable";
            return Results.StatusCode(503);
        });
        await app.StartAsync();
        var baseUrl = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

        var clients = new System.Collections.Concurrent.ConcurrentBag<TrackedClient>();
        var scenario = LoadScenario.Create(
            "http",
            ctx =>
            {
                // One client (one connection pool) per virtual user, disposed by the engine at the end.
                var client = new TrackedClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1, UseProxy = false });
                clients.Add(client);
                return Task.FromResult(client);
            },
            async (ctx, client) =>
            {
                await ctx.Step("ok", () => HttpStep.SendAsync(client, new HttpRequestMessage(HttpMethod.Get, new Uri(baseUrl, "/ok")), ctx.CancellationToken, TimeSpan.FromSeconds(5)));
                await ctx.Step("busy", () => HttpStep.SendAsync(client, new HttpRequestMessage(HttpMethod.Get, new Uri(baseUrl, "/busy")), ctx.CancellationToken, TimeSpan.FromSeconds(5)));
            })
            .WithLoadSimulations(LoadSimulation.IterationsForConstant(copies: 3, iterations: 60));

        var result = await Quiet.Runner().WithLoopbackTargets(null, baseUrl).AddScenario(scenario).RunAsync();

        var run = result.GetScenario("http");
        var ok = run.GetStep("ok")!;
        Assert.Equal(60, ok.OkCount);
        Assert.Equal(60, ok.StatusCount(200));
        Assert.Equal(60 * "hello".Length, ok.Bytes);
        var busy = run.GetStep("busy")!;
        Assert.Equal(60, busy.FailCount);
        Assert.Equal(60, busy.StatusCount(503));
        Assert.Equal(60, busy.ErrorCount("CMGConnector_ServiceUnavailable"));
        Assert.Equal(60, run.Iteration.FailCount);
        Assert.True(ok.Latency.P50Ms > 0);
        Assert.Equal(3, clients.Count);
        Assert.All(clients, c => Assert.True(c.Disposed));
        await app.StopAsync();
    }

    [Fact]
    public async Task A_target_outside_loopback_is_refused_with_exit_code_2()
    {
        var ran = false;
        var scenario = LoadScenario.Create("remote", _ =>
        {
            ran = true;
            return Task.CompletedTask;
        }).WithLoadSimulations(LoadSimulation.IterationsForConstant(1, 1));

        var result = await Quiet.Runner().WithLoopbackTargets(null, new Uri("http://10.20.30.40:8080/")).AddScenario(scenario).RunAsync();

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Equal(RunOutcome.Refused, result.Outcome);
        Assert.Contains("not loopback", result.Reason, StringComparison.Ordinal);
        Assert.False(ran);
    }

    private sealed class TrackedClient(HttpMessageHandler handler) : HttpMessageInvoker(handler, disposeHandler: true)
    {
        public bool Disposed { get; private set; }

        protected override void Dispose(bool disposing)
        {
            Disposed = true;
            base.Dispose(disposing);
        }
    }
}
