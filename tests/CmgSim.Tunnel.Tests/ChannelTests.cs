using System.Diagnostics;
using System.Net;

namespace CmgSim.Tunnel.Tests;

/// <summary>
/// The reverse-tunnel pitfalls of engineering-notes §1.3, end to end: real Kestrel on both sides, real
/// TLS, YARP forwarding down the channels.
/// </summary>
public sealed class ChannelTests
{
    private const string Hello = "hello from the connection point";

    // "Fast" is generous on purpose: a hang would take the channel wait, dial or test timeouts (≥ 15 s).
    private static readonly TimeSpan Fast = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task Request_ThroughChannel_ReachesConnectionPoint()
    {
        await using var topology = await ChannelTestTopology.StartCloudAsync();
        await topology.StartConnectionPointAsync();
        await topology.WaitForChannelsAsync(2);
        using var client = topology.CreatePublicClient();

        var body = await client.GetStringAsync("/fwd/hello");

        Assert.Equal(Hello, body);
    }

    // §1.3.1/§1.3.2: the connection point's Kestrel closes idle channels after KeepAliveTimeout; the VM
    // side drops its idle connection first, so no request is sent down a channel being closed.
    [Fact]
    public async Task IdlePastKeepAliveTimeout_ChannelsAreReplaced_AndRequestsSucceed()
    {
        await using var topology = await ChannelTestTopology.StartCloudAsync(new CloudSettings { Channels = o => o.IdleChannelTimeout = TimeSpan.FromSeconds(1) });
        await topology.StartConnectionPointAsync(kestrel: k => k.Limits.KeepAliveTimeout = TimeSpan.FromSeconds(2));
        await topology.WaitForChannelsAsync(2);
        using var client = topology.CreatePublicClient();
        await AssertHelloAsync(client);
        var connectionsBefore = topology.ConnectionPointConnections;

        await Task.Delay(TimeSpan.FromSeconds(3.5));

        for (var i = 0; i < 5; i++)
        {
            await AssertHelloAsync(client);
        }

        await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => AssertHelloAsync(client)));
        Assert.True(topology.ConnectionPointConnections > connectionsBefore, $"No channel was replaced ({connectionsBefore} connections before the idle period, {topology.ConnectionPointConnections} after).");
        Assert.InRange(topology.CloudOpenChannels, 1, 2);
    }

    [Fact]
    public async Task ConnectionPointRestart_FailsFastWhileAway_ThenChannelsComeBack()
    {
        await using var topology = await ChannelTestTopology.StartCloudAsync();
        await topology.StartConnectionPointAsync();
        await topology.WaitForChannelsAsync(2);
        using var client = topology.CreatePublicClient();
        await AssertHelloAsync(client);

        await topology.StopConnectionPointAsync();
        await Eventually.WaitAsync(() => topology.CloudOpenChannels == 0, () => $"{topology.CloudOpenChannels} channels still open after the connection point stopped.");
        for (var i = 0; i < 3; i++)
        {
            await AssertFailsFastAsync(client, HttpStatusCode.ServiceUnavailable);
        }

        await topology.StartConnectionPointAsync();
        await topology.WaitForChannelsAsync(2);
        for (var i = 0; i < 3; i++)
        {
            await AssertHelloAsync(client);
        }
    }

    [Fact]
    public async Task NoConnectionPoint_AnswersFast()
    {
        await using var topology = await ChannelTestTopology.StartCloudAsync();
        using var client = topology.CreatePublicClient();

        await AssertFailsFastAsync(client, HttpStatusCode.ServiceUnavailable);
    }

    // §1.3.3: an abandoned response must not leave bytes that the next request on the channel reads.
    [Fact]
    public async Task ResponseAbandonedMidBody_LaterResponsesAreIntact()
    {
        await using var topology = await ChannelTestTopology.StartCloudAsync();
        await topology.StartConnectionPointAsync();
        await topology.WaitForChannelsAsync(2);
        using var client = topology.CreatePublicClient();

        for (var i = 0; i < 3; i++)
        {
            using var cancel = new CancellationTokenSource();
            using var response = await client.GetAsync("/fwd/big/200", HttpCompletionOption.ResponseHeadersRead, cancel.Token);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var body = await response.Content.ReadAsStreamAsync(cancel.Token);
            var buffer = new byte[8 * 1024];
            var read = 0;
            while (read < 3 * ChannelTestTopology.BigChunkSize)
            {
                var n = await body.ReadAsync(buffer, cancel.Token);
                Assert.NotEqual(0, n);
                read += n;
            }

            // Walk away mid-body: once by cancelling the read, otherwise by disposing the response.
            if (i == 0)
            {
                await cancel.CancelAsync();
                await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await body.ReadExactlyAsync(buffer, cancel.Token));
            }
        }

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => AssertBigAsync(client, 30)));
        for (var i = 0; i < 3; i++)
        {
            await AssertBigAsync(client, 30);
            await AssertHelloAsync(client);
        }

        // Abandoning a response resets one HTTP/2 stream, not the channel; the standby is left alone.
        Assert.InRange(topology.ConnectionPointConnections, 2, 3);
        await Eventually.WaitAsync(() => topology.CloudOpenChannels == 2, () => $"{topology.CloudOpenChannels} channels open instead of 2.");
    }

    // §1.1 spec: a 4xx refusal means retrying cannot help; the connection point must not hammer the VM.
    [Theory]
    [InlineData("publish", 403)]
    [InlineData("channel", 403)]
    [InlineData("channel", 401)]
    public async Task Refused_RecordsTheReason_AndStopsRetrying(string endpoint, int status)
    {
        await using var topology = await ChannelTestTopology.StartCloudAsync(endpoint == "publish"
            ? new CloudSettings { PublishStatus = status }
            : new CloudSettings { ChannelStatus = status });
        await topology.StartConnectionPointAsync();

        await Eventually.WaitAsync(() => topology.InstanceStatus.RejectedReason is not null, () => "The refusal was never recorded.");
        await Task.Delay(TimeSpan.FromSeconds(2));

        Assert.StartsWith(status.ToString(System.Globalization.CultureInfo.InvariantCulture), topology.InstanceStatus.RejectedReason, StringComparison.Ordinal);
        Assert.Equal(1, topology.PublishAttempts);
        Assert.Equal(endpoint == "publish" ? 0 : 1, topology.ChannelAttempts);
        Assert.Equal(0, topology.InstanceStatus.Reconnects);
        Assert.Equal(0, topology.InstanceStatus.OpenChannels);
        Assert.False(topology.ConnectionPoint!.Lifetime.ApplicationStopping.IsCancellationRequested, "The connection point host stopped.");
    }

    // The counterpart of the refusal test: a server error is transient, so the dialer keeps trying.
    [Fact]
    public async Task ServerError_IsRetried()
    {
        await using var topology = await ChannelTestTopology.StartCloudAsync(new CloudSettings { ChannelStatus = 503 });
        await topology.StartConnectionPointAsync();

        await Eventually.WaitAsync(() => topology.ChannelAttempts >= 3, () => $"Only {topology.ChannelAttempts} channel attempts.");

        Assert.Null(topology.InstanceStatus.RejectedReason);
        Assert.True(topology.InstanceStatus.Reconnects >= 2, $"{topology.InstanceStatus.Reconnects} reconnects.");
    }

    [Fact]
    public async Task CloudNotThereYet_ConnectionPointRetriesWithBackoff_ThenConnects()
    {
        // Start the cloud once to own two ports, then stop it: the connection point finds nothing there.
        await using var topology = await ChannelTestTopology.StartCloudAsync();
        await topology.StopCloudAsync();
        var started = Stopwatch.StartNew();
        await topology.StartConnectionPointAsync();

        await Eventually.WaitAsync(() => topology.InstanceStatus.Reconnects >= 3, () => $"Only {topology.InstanceStatus.Reconnects} reconnects.");
        await Task.Delay(TimeSpan.FromSeconds(1));
        var reconnects = topology.InstanceStatus.Reconnects;
        var elapsed = started.Elapsed;

        // Delays of 100 ms doubling (with jitter) to a 500 ms cap allow a few attempts a second; the bound
        // is loose on purpose, since a loop without backoff would make hundreds (refusal is immediate).
        Assert.InRange(reconnects, 3, 5 + (long)(elapsed.TotalSeconds * 10));
        Assert.Equal(0, topology.InstanceStatus.OpenChannels);
        Assert.Null(topology.InstanceStatus.RejectedReason);

        await topology.RestartCloudAsync();
        await topology.WaitForChannelsAsync(2);
        using var client = topology.CreatePublicClient();
        await AssertHelloAsync(client);
        Assert.Equal(2, topology.InstanceStatus.OpenChannels);
    }

    [Fact]
    public async Task OneChannel_Multiplexes200ConcurrentRequests()
    {
        await using var topology = await ChannelTestTopology.StartCloudAsync();

        // 256 streams per connection, so all 200 requests run at once on the one channel instead of
        // queueing in the VM's HTTP/2 client behind Kestrel's default limit of 100.
        await topology.StartConnectionPointAsync(o => o.ChannelsPerInstance = 1, k => k.Limits.Http2.MaxStreamsPerConnection = 256);
        await topology.WaitForChannelsAsync(1);

        // HTTP/2 to the public port too, so 200 TLS handshakes do not spread the requests out.
        using var client = topology.CreatePublicClient(http2: true);
        var stopwatch = Stopwatch.StartNew();

        var responses = await Task.WhenAll(Enumerable.Range(0, 200).Select(async _ =>
        {
            using var response = await client.GetAsync("/fwd/slow/200");
            return (response.StatusCode, Body: await response.Content.ReadAsStringAsync());
        }));
        stopwatch.Stop();

        Assert.All(responses, r => Assert.Equal((HttpStatusCode.OK, "slow"), r));
        Assert.Equal(1, topology.ConnectionPointConnections);
        Assert.True(topology.SlowInFlightPeak > 100, $"At most {topology.SlowInFlightPeak} requests ran at once on the channel.");

        // One at a time would take 40 s.
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10), $"Took {stopwatch.Elapsed}.");
    }

    [Fact]
    public async Task ConnectionPointStopping_DrainsTheRequestInFlight()
    {
        await using var topology = await ChannelTestTopology.StartCloudAsync();
        await topology.StartConnectionPointAsync();
        await topology.WaitForChannelsAsync(2);
        using var client = topology.CreatePublicClient();
        var inFlight = client.GetAsync("/fwd/slow/500");
        await Eventually.WaitAsync(() => topology.SlowRequestsStarted == 1, () => "The slow request never reached the connection point.");

        var stopping = topology.StopConnectionPointAsync();
        using var response = await inFlight;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("slow", await response.Content.ReadAsStringAsync());
        await stopping;
    }

    // Once the VM side has closed a channel that carried traffic, nothing reads it: Kestrel's last GOAWAY
    // write must not hold the shutdown for the whole drain (and then abort) timeout.
    [Fact]
    public async Task ConnectionPointStopping_AfterTraffic_DoesNotWaitOutTheShutdownTimeout()
    {
        await using var topology = await ChannelTestTopology.StartCloudAsync();
        await topology.StartConnectionPointAsync(shutdownTimeout: TimeSpan.FromSeconds(5));
        await topology.WaitForChannelsAsync(2);
        using var client = topology.CreatePublicClient();
        await AssertHelloAsync(client);
        await AssertBigAsync(client, 10);

        var stopwatch = Stopwatch.StartNew();
        await topology.StopConnectionPointAsync();
        stopwatch.Stop();

        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(2.5), $"Stopping took {stopwatch.Elapsed}.");
        await Eventually.WaitAsync(() => topology.CloudOpenChannels == 0, () => $"{topology.CloudOpenChannels} channels still open.");
    }

    private static async Task AssertHelloAsync(HttpClient client)
    {
        using var response = await client.GetAsync("/fwd/hello");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Hello, await response.Content.ReadAsStringAsync());
    }

    private static async Task AssertBigAsync(HttpClient client, int chunks)
    {
        using var response = await client.GetAsync($"/fwd/big/{chunks}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(chunks * ChannelTestTopology.BigChunkSize, body.Length);
        for (var i = 0; i < chunks; i++)
        {
            var expected = ChannelTestTopology.BigChunkByte(i);
            var chunk = body.AsSpan(i * ChannelTestTopology.BigChunkSize, ChannelTestTopology.BigChunkSize);
            Assert.True(chunk.IndexOfAnyExcept(expected) < 0, $"Chunk {i} holds bytes other than '{(char)expected}'.");
        }
    }

    private static async Task AssertFailsFastAsync(HttpClient client, HttpStatusCode expected)
    {
        var stopwatch = Stopwatch.StartNew();
        using var response = await client.GetAsync("/fwd/hello");
        stopwatch.Stop();
        Assert.Equal(expected, response.StatusCode);
        Assert.True(stopwatch.Elapsed < Fast, $"Took {stopwatch.Elapsed}.");
    }
}
