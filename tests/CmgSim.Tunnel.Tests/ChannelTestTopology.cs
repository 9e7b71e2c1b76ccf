using System.Net;
using CmgSim.Tunnel.CloudSide;
using CmgSim.Tunnel.ConnectionPointSide;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Forwarder;

namespace CmgSim.Tunnel.Tests;

/// <summary>How the VM-instance-like host of <see cref="ChannelTestTopology"/> behaves.</summary>
internal sealed class CloudSettings
{
    public Action<ChannelClientOptions>? Channels { get; init; }

    /// <summary>When set, the publish endpoint answers this status instead of accepting the publication.</summary>
    public int? PublishStatus { get; init; }

    /// <summary>When set, the channel endpoint answers this status instead of opening a channel.</summary>
    public int? ChannelStatus { get; init; }
}

/// <summary>
/// A VM-instance-like host (channel port + public port that forwards down the channels) and a
/// connection-point-like host serving a few test endpoints over the channels. Real Kestrel, real TLS.
/// </summary>
internal sealed class ChannelTestTopology : IAsyncDisposable
{
    public const string SiteCode = "PS1";
    public const long EndpointId = 72057594037927939;
    public const string ConnectionPointName = "CMGCP01";

    private readonly CloudSettings _settings;
    private WebApplication? _cloud;
    private WebApplication? _connectionPoint;
    private int _publishAttempts;
    private int _channelAttempts;
    private int _connectionPointConnections;
    private int _slowRequestsStarted;
    private int _slowInFlight;
    private int _slowInFlightPeak;

    private ChannelTestTopology(CloudSettings settings)
    {
        _settings = settings;
    }

    public WebApplication Cloud => _cloud ?? throw new InvalidOperationException("The cloud is stopped.");

    public ChannelRegistry Registry => Cloud.Services.GetRequiredService<ChannelRegistry>();

    /// <summary>The channel port's base URL; it stays the same when the cloud restarts.</summary>
    public Uri ChannelBaseUrl { get; private set; } = null!;

    public Uri PublicUrl { get; private set; } = null!;

    public WebApplication? ConnectionPoint => _connectionPoint;

    public ChannelStatus? ConnectionPointStatus => _connectionPoint?.Services.GetRequiredService<ChannelStatus>();

    public InstanceChannelStatus InstanceStatus => ConnectionPointStatus?.Instances.Single() ?? throw new InvalidOperationException("No connection point is running.");

    /// <summary>Publish requests the cloud received (accepted or not).</summary>
    public int PublishAttempts => Volatile.Read(ref _publishAttempts);

    /// <summary>Channel requests the cloud received (accepted or not).</summary>
    public int ChannelAttempts => Volatile.Read(ref _channelAttempts);

    /// <summary>Connections the connection point's Kestrel accepted (one per channel), over every connection point started.</summary>
    public int ConnectionPointConnections => Volatile.Read(ref _connectionPointConnections);

    /// <summary>Requests to <c>/fwd/slow/{ms}</c> that reached the connection point.</summary>
    public int SlowRequestsStarted => Volatile.Read(ref _slowRequestsStarted);

    /// <summary>Most <c>/fwd/slow/{ms}</c> requests the connection point served at the same time.</summary>
    public int SlowInFlightPeak => Volatile.Read(ref _slowInFlightPeak);

    /// <summary>Open channels as the cloud sees them.</summary>
    public int CloudOpenChannels => Registry.ConnectionPoints.Sum(c => c.OpenChannels);

    public static async Task<ChannelTestTopology> StartCloudAsync(CloudSettings? settings = null)
    {
        var topology = new ChannelTestTopology(settings ?? new CloudSettings());
        await topology.StartCloudCoreAsync(channelPort: 0, publicPort: 0);
        return topology;
    }

    /// <summary>Stops the cloud; <see cref="RestartCloudAsync"/> brings it back on the same ports.</summary>
    public async Task StopCloudAsync()
    {
        if (_cloud is { } app)
        {
            _cloud = null;
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    /// <summary>Starts a fresh cloud (empty registry) on the ports the first one bound, so dialers find it again.</summary>
    public Task RestartCloudAsync() => StartCloudCoreAsync(ChannelBaseUrl.Port, PublicUrl.Port);

    private async Task StartCloudCoreAsync(int channelPort, int publicPort)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o =>
        {
            o.Listen(IPAddress.Loopback, channelPort, l =>
            {
                l.Protocols = HttpProtocols.Http2;
                l.UseHttps(new HttpsConnectionAdapterOptions
                {
                    ServerCertificate = TestCertificates.Server,
                    ClientCertificateMode = ClientCertificateMode.AllowCertificate,
                    ClientCertificateValidation = (_, _, _) => true,
                });
            });
            o.Listen(IPAddress.Loopback, publicPort, l =>
            {
                l.Protocols = HttpProtocols.Http1AndHttp2;
                l.UseHttps(TestCertificates.Server);
            });
        });
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(1));
        builder.Services.AddChannelRegistry(_settings.Channels);
        builder.Services.AddHttpForwarder();
        var app = builder.Build();
        var registry = app.Services.GetRequiredService<ChannelRegistry>();
        app.MapPost(TunnelProtocol.ChannelPath + "/{cp}/" + TunnelProtocol.PublishSegment, async (HttpContext context, string cp) =>
        {
            Interlocked.Increment(ref _publishAttempts);
            if (_settings.PublishStatus is { } status)
            {
                return Results.StatusCode(status);
            }

            var publication = await context.Request.ReadFromJsonAsync<ConnectionPointPublication>();
            registry.Publish(publication!);
            return Results.Ok();
        });
        app.MapPost(TunnelProtocol.ChannelPath + "/{cp}", (HttpContext context, string cp) =>
        {
            Interlocked.Increment(ref _channelAttempts);
            if (_settings.ChannelStatus is { } status)
            {
                context.Response.StatusCode = status;
                return Task.CompletedTask;
            }

            return registry.AcceptChannelAsync(context, cp);
        });
        app.Map("/fwd/{**rest}", async (HttpContext context, IHttpForwarder forwarder) =>
        {
            var channels = registry.PickConnectionPoint(SiteCode, EndpointId);
            if (channels is null)
            {
                context.Response.StatusCode = 503;
                return;
            }

            var error = await forwarder.SendAsync(context, channels.Destination, channels.Client,
                new ForwarderRequestConfig { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact },
                HttpTransformer.Default);
            if (error != ForwarderError.None && !context.Response.HasStarted)
            {
                context.Response.StatusCode = 502;
            }
        });
        await app.StartAsync();
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.ToArray();
        ChannelBaseUrl = new Uri(addresses[0]);
        PublicUrl = new Uri(addresses[1]);
        _cloud = app;
    }

    public async Task StartConnectionPointAsync(Action<ChannelDialerOptions>? configure = null, Action<KestrelServerOptions>? kestrel = null, TimeSpan? shutdownTimeout = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o =>
        {
            o.Listen(new UriEndPoint(new Uri(TunnelProtocol.ChannelUrl(ChannelBaseUrl.AbsoluteUri, ConnectionPointName))), l =>
            {
                l.Protocols = HttpProtocols.Http2;
                l.Use(next => connection =>
                {
                    Interlocked.Increment(ref _connectionPointConnections);
                    return next(connection);
                });
            });
            o.Limits.Http2.MaxStreamsPerConnection = 100;
            kestrel?.Invoke(o);
        });
        // Kestrel drains channels in use for at most the host's shutdown timeout, then ends them.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = shutdownTimeout ?? TimeSpan.FromSeconds(1));
        builder.Services.AddChannelDialer(o =>
        {
            o.Publication = new ConnectionPointPublication { ConnectionPointName = ConnectionPointName, SiteCode = SiteCode, UrlMappings = [new PublishedUrlMapping(EndpointId, "https://127.0.0.1:1", ["/fwd"])], ChannelsPerInstance = 2 };
            o.ClientCertificate = TestCertificates.Client;
            o.TrustedRoots.Add(TestCertificates.Root);
            o.ReconnectDelay = TimeSpan.FromMilliseconds(100);
            o.MaxReconnectDelay = TimeSpan.FromMilliseconds(500);
            o.JitterSeed = 1;
            o.DrainTimeout = TimeSpan.FromSeconds(1);
            configure?.Invoke(o);
        });
        var app = builder.Build();
        app.MapGet("/fwd/hello", () => "hello from the connection point");
        app.MapGet("/fwd/echo-headers", (HttpContext context) => string.Join("\n", context.Request.Headers.Select(h => $"{h.Key}: {h.Value}")));
        app.MapGet("/fwd/slow/{ms:int}", async (int ms) =>
        {
            Interlocked.Increment(ref _slowRequestsStarted);
            var inFlight = Interlocked.Increment(ref _slowInFlight);
            int peak;
            while (inFlight > (peak = Volatile.Read(ref _slowInFlightPeak)) && Interlocked.CompareExchange(ref _slowInFlightPeak, inFlight, peak) != peak)
            {
            }

            try
            {
                await Task.Delay(ms);
                return "slow";
            }
            finally
            {
                Interlocked.Decrement(ref _slowInFlight);
            }
        });
        app.MapGet("/fwd/big/{n:int}", async (HttpContext context, int n) =>
        {
            var chunk = new byte[BigChunkSize];
            for (var i = 0; i < n; i++)
            {
                Array.Fill(chunk, BigChunkByte(i));
                await context.Response.Body.WriteAsync(chunk, context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
            }
        });
        await app.StartAsync();
        _connectionPoint = app;
    }

    /// <summary>Size of one chunk of <c>/fwd/big/{n}</c>.</summary>
    public const int BigChunkSize = 16 * 1024;

    /// <summary>Chunk i of <c>/fwd/big/{n}</c> repeats one letter, so bytes from another response would show.</summary>
    public static byte BigChunkByte(int chunk) => (byte)('a' + (chunk % 26));

    public async Task StopConnectionPointAsync()
    {
        if (_connectionPoint is { } app)
        {
            _connectionPoint = null;
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    public Task WaitForChannelsAsync(int count, TimeSpan? timeout = null) =>
        Eventually.WaitAsync(() => CloudOpenChannels >= count, () => $"Only {CloudOpenChannels} of {count} channels opened.", timeout);

    /// <summary>A client of the public port; with <paramref name="http2"/>, requests share a couple of HTTP/2 connections.</summary>
    public HttpClient CreatePublicClient(bool http2 = false)
    {
        var handler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true };
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) =>
        {
            using var chain = new System.Security.Cryptography.X509Certificates.X509Chain();
            chain.ChainPolicy.TrustMode = System.Security.Cryptography.X509Certificates.X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(TestCertificates.Root);
            chain.ChainPolicy.RevocationMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck;
            return chain.Build((System.Security.Cryptography.X509Certificates.X509Certificate2)certificate!);
        };
        return new HttpClient(handler)
        {
            BaseAddress = PublicUrl,
            Timeout = TimeSpan.FromSeconds(30),
            DefaultRequestVersion = http2 ? HttpVersion.Version20 : HttpVersion.Version11,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
    }

    public async ValueTask DisposeAsync()
    {
        await StopConnectionPointAsync();
        await StopCloudAsync();
    }
}

/// <summary>Polls a condition with a deadline, so "eventually" never depends on exact timing.</summary>
internal static class Eventually
{
    public static async Task WaitAsync(Func<bool> condition, Func<string> failure, TimeSpan? timeout = null)
    {
        var deadline = TimeProvider.System.GetUtcNow() + (timeout ?? TimeSpan.FromSeconds(10));
        while (!condition())
        {
            if (TimeProvider.System.GetUtcNow() > deadline)
            {
                throw new TimeoutException(failure());
            }

            await Task.Delay(20);
        }
    }
}
