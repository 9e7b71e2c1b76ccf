using System.Diagnostics;
using System.Net;
using CmgSim.Tunnel.CloudSide;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace CmgSim.Tunnel.Tests;

/// <summary>Taking channels for the VM instance's client, without real connection points.</summary>
public sealed class ConnectionPointChannelsTests : IDisposable
{
    private static readonly TimeSpan Fast = TimeSpan.FromSeconds(2);
    private readonly ChannelRegistry _registry;
    private readonly ConnectionPointChannels _channels;

    public ConnectionPointChannelsTests()
    {
        _registry = CreateRegistry(TimeSpan.FromMilliseconds(300));
        _channels = _registry.Publish(Publication("CMGCP01", "PS1", 1));
    }

    internal static ChannelRegistry CreateRegistry(TimeSpan channelWait) =>
        new(Options.Create(new ChannelClientOptions { ChannelWaitTimeout = channelWait }), TimeProvider.System, NullLogger<ChannelRegistry>.Instance);

    internal static ConnectionPointPublication Publication(string name, string site, params long[] endpointIds) =>
        new() { ConnectionPointName = name, SiteCode = site, UrlMappings = endpointIds.Select(static id => new PublishedUrlMapping(id, "https://127.0.0.1:1", ["/fwd"])).ToArray() };

    [Fact]
    public async Task Published_WithoutChannels_ThrowsNoChannelFast()
    {
        var elapsed = await AssertNoChannelAsync();

        Assert.True(elapsed < Fast, $"Took {elapsed}.");
        Assert.False(_channels.IsConnected);
    }

    [Fact]
    public async Task AllChannelsGone_ThrowsNoChannelFast()
    {
        var first = new FakeChannel().AddTo(_channels);
        var second = new FakeChannel().AddTo(_channels);
        Assert.Equal(2, _channels.OpenChannels);

        first.Stream.Abort();
        second.Stream.Abort();
        await Task.WhenAll(first.Closed, second.Closed).WaitAsync(Fast);
        var elapsed = await AssertNoChannelAsync();

        Assert.Equal(0, _channels.OpenChannels);
        Assert.True(elapsed < Fast, $"Took {elapsed}.");
    }

    [Fact]
    public async Task ClosedIdleChannel_IsSkipped()
    {
        var closed = new FakeChannel().AddTo(_channels);
        new FakeChannel().Answer("second").AddTo(_channels);
        closed.Stream.Abort();

        Assert.Equal("second", await SendAsync());
    }

    [Fact]
    public async Task DisposedChannel_IsNeverHandedOutAgain()
    {
        var channel = new FakeChannel().Answer("once", close: true).AddTo(_channels);

        Assert.Equal("once", await SendAsync());
        await channel.Closed.WaitAsync(Fast);

        // Single use: the client closed it, so the next request must not get it back.
        await AssertNoChannelAsync();
    }

    [Fact]
    public async Task EveryChannelBusy_WaitsChannelWaitTimeout_ThenThrowsNoChannel()
    {
        new FakeChannel().AddTo(_channels);
        using var cancelFirst = new CancellationTokenSource();
        var first = SendAsync(cancelFirst.Token);

        // HTTP/1.1 needs a second connection, and the only channel carries the first request.
        var elapsed = await AssertNoChannelAsync();

        Assert.InRange(elapsed, TimeSpan.FromMilliseconds(250), Fast);
        await cancelFirst.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);
    }

    [Fact]
    public async Task WaitingRequest_TakesTheNextChannelThatOpens()
    {
        using var registry = CreateRegistry(TimeSpan.FromSeconds(10));
        var channels = registry.Publish(Publication("CMGCP02", "PS1", 1));
        new FakeChannel().AddTo(channels);
        using var cancelFirst = new CancellationTokenSource();
        var first = SendAsync(channels, cancelFirst.Token);
        var second = SendAsync(channels, CancellationToken.None);
        await Task.Delay(100);

        new FakeChannel().Answer("replacement").AddTo(channels);

        Assert.Equal("replacement", await second.WaitAsync(Fast));
        await cancelFirst.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);
    }

    private Task<string> SendAsync(CancellationToken cancellationToken = default) => SendAsync(_channels, cancellationToken);

    private static async Task<string> SendAsync(ConnectionPointChannels channels, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, channels.Destination + "test") { Version = HttpVersion.Version11 };
        using var response = await channels.Client.SendAsync(request, cancellationToken);
        return await response.Content.ReadAsStringAsync(cancellationToken);
    }

    private async Task<TimeSpan> AssertNoChannelAsync()
    {
        var stopwatch = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<HttpRequestException>(() => SendAsync());
        stopwatch.Stop();
        Assert.Contains(Chain(e), x => x is NoChannelException { ConnectionPointName: "CMGCP01" });
        return stopwatch.Elapsed;
    }

    private static IEnumerable<Exception> Chain(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            yield return e;
        }
    }

    public void Dispose() => _registry.Dispose();
}
