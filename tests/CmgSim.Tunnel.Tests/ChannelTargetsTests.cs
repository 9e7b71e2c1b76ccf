using CmgSim.Tunnel.ConnectionPointSide;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CmgSim.Tunnel.Tests;

/// <summary>
/// A connection point whose VM instance list changes while it runs (the CMG scales out and in): one Kestrel
/// listener for every instance of a <see cref="ChannelTargets"/> list. Real Kestrel and TLS on both sides.
/// </summary>
public sealed class ChannelTargetsTests
{
    private const string Hello = "hello from the connection point";

    [Fact]
    public async Task AddedWhileRunning_TheNewInstanceGetsChannels_AndRequestsThroughItSucceed()
    {
        await using var first = await ChannelTestTopology.StartCloudAsync();
        await using var second = await ChannelTestTopology.StartCloudAsync();
        await using var connectionPoint = await DynamicConnectionPoint.StartAsync(first);
        await first.WaitForChannelsAsync(2);
        Assert.Equal(0, second.CloudOpenChannels);

        Assert.True(connectionPoint.Targets.Add(ChannelUrl(second)));
        Assert.False(connectionPoint.Targets.Add(ChannelUrl(second)));

        await second.WaitForChannelsAsync(2);
        using var client = second.CreatePublicClient();
        Assert.Equal(Hello, await client.GetStringAsync("/fwd/hello"));
        Assert.True(connectionPoint.Status.Instances.Select(static i => i.ChannelUrl).ToHashSet().SetEquals([ChannelUrl(first), ChannelUrl(second)]));
        Assert.Equal(2, connectionPoint.Targets.Count);
    }

    [Fact]
    public async Task Removed_ItsChannelsClose_AndTheConnectionPointStopsDialingIt_OthersKeepServing()
    {
        await using var first = await ChannelTestTopology.StartCloudAsync();
        await using var second = await ChannelTestTopology.StartCloudAsync();
        await using var connectionPoint = await DynamicConnectionPoint.StartAsync(first, second);
        await first.WaitForChannelsAsync(2);
        await second.WaitForChannelsAsync(2);

        Assert.True(await connectionPoint.Targets.RemoveAsync(ChannelUrl(first)));
        Assert.False(await connectionPoint.Targets.RemoveAsync(ChannelUrl(first)));

        await Eventually.WaitAsync(() => first.CloudOpenChannels == 0, () => $"{first.CloudOpenChannels} channels to the removed instance are still open.");
        var attempts = first.ChannelAttempts;
        var instance = Assert.Single(connectionPoint.Status.Instances);
        Assert.Equal(ChannelUrl(second), instance.ChannelUrl);
        using var client = second.CreatePublicClient();
        Assert.Equal(Hello, await client.GetStringAsync("/fwd/hello"));

        // Longer than the largest reconnect delay (500 ms): a dialer still running would have redialed by now.
        await Task.Delay(TimeSpan.FromSeconds(1.5), TimeProvider.System);
        Assert.Equal(attempts, first.ChannelAttempts);
        Assert.Equal(0, first.CloudOpenChannels);
    }

    [Fact]
    public async Task RemovedWhileARequestIsInFlight_TheRequestFinishes_ThenRemovalCompletes()
    {
        await using var cloud = await ChannelTestTopology.StartCloudAsync();
        await using var connectionPoint = await DynamicConnectionPoint.StartAsync(cloud);
        await cloud.WaitForChannelsAsync(2);
        using var client = cloud.CreatePublicClient();
        var slow = client.GetStringAsync("/fwd/slow/300");
        await Eventually.WaitAsync(() => connectionPoint.SlowRequestsStarted == 1, () => "The slow request did not reach the connection point.");

        await connectionPoint.Targets.RemoveAsync(ChannelUrl(cloud));

        Assert.Equal("slow", await slow);
        await Eventually.WaitAsync(() => cloud.CloudOpenChannels == 0, () => $"{cloud.CloudOpenChannels} channels are still open.");
        Assert.Empty(connectionPoint.Status.Instances);
    }

    [Fact]
    public async Task RemovedThenAddedAgain_ChannelsComeBack()
    {
        await using var cloud = await ChannelTestTopology.StartCloudAsync();
        await using var connectionPoint = await DynamicConnectionPoint.StartAsync(cloud);
        await cloud.WaitForChannelsAsync(2);

        await connectionPoint.Targets.RemoveAsync(ChannelUrl(cloud));
        await Eventually.WaitAsync(() => cloud.CloudOpenChannels == 0, () => $"{cloud.CloudOpenChannels} channels are still open.");
        connectionPoint.Targets.Add(ChannelUrl(cloud));

        await cloud.WaitForChannelsAsync(2);
        using var client = cloud.CreatePublicClient();
        Assert.Equal(Hello, await client.GetStringAsync("/fwd/hello"));
        Assert.Equal(2, Assert.Single(connectionPoint.Status.Instances).OpenChannels);
    }

    [Fact]
    public async Task NoInstanceAtStart_TheConnectionPointWaits_ThenDialsTheFirstOneAdded()
    {
        await using var cloud = await ChannelTestTopology.StartCloudAsync();
        await using var connectionPoint = await DynamicConnectionPoint.StartAsync();
        Assert.Equal(0, connectionPoint.Targets.Count);

        connectionPoint.Targets.Add(ChannelUrl(cloud));

        await cloud.WaitForChannelsAsync(2);
    }

    private static Uri ChannelUrl(ChannelTestTopology cloud) =>
        new(TunnelProtocol.ChannelUrl(cloud.ChannelBaseUrl.AbsoluteUri, ChannelTestTopology.ConnectionPointName));

    /// <summary>A connection point that listens on <see cref="ChannelTargets.CreateEndPoint"/> and serves the test endpoints.</summary>
    private sealed class DynamicConnectionPoint : IAsyncDisposable
    {
        private WebApplication _app = null!;
        private int _slowRequestsStarted;

        public int SlowRequestsStarted => Volatile.Read(ref _slowRequestsStarted);

        public ChannelTargets Targets => _app.Services.GetRequiredService<ChannelTargets>();

        public ChannelStatus Status => _app.Services.GetRequiredService<ChannelStatus>();

        public static async Task<DynamicConnectionPoint> StartAsync(params ChannelTestTopology[] clouds)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseKestrel(o => o.Listen(ChannelTargets.CreateEndPoint(), static l => l.Protocols = HttpProtocols.Http2));
            builder.Services.Configure<HostOptions>(static o => o.ShutdownTimeout = TimeSpan.FromSeconds(1));
            builder.Services.AddChannelDialer(static o =>
            {
                o.Publication = new ConnectionPointPublication
                {
                    ConnectionPointName = ChannelTestTopology.ConnectionPointName,
                    SiteCode = ChannelTestTopology.SiteCode,
                    UrlMappings = [new PublishedUrlMapping(ChannelTestTopology.EndpointId, "https://127.0.0.1:1", ["/fwd"])],
                    ChannelsPerInstance = 2,
                };
                o.ClientCertificate = TestCertificates.Client;
                o.TrustedRoots.Add(TestCertificates.Root);
                o.ReconnectDelay = TimeSpan.FromMilliseconds(100);
                o.MaxReconnectDelay = TimeSpan.FromMilliseconds(500);
                o.JitterSeed = 1;
                o.DrainTimeout = TimeSpan.FromSeconds(1);
            });
            var connectionPoint = new DynamicConnectionPoint();
            var app = builder.Build();
            app.MapGet("/fwd/hello", () => Hello);
            app.MapGet("/fwd/slow/{ms:int}", async (int ms) =>
            {
                Interlocked.Increment(ref connectionPoint._slowRequestsStarted);
                await Task.Delay(TimeSpan.FromMilliseconds(ms), TimeProvider.System);
                return "slow";
            });
            foreach (var cloud in clouds)
            {
                app.Services.GetRequiredService<ChannelTargets>().Add(ChannelUrl(cloud));
            }

            await app.StartAsync();
            connectionPoint._app = app;
            return connectionPoint;
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
