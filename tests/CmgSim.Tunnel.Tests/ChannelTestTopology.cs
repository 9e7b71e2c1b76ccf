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
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Forwarder;

namespace CmgSim.Tunnel.Tests;

/// <summary>
/// A VM-instance-like host (channel port + public port that forwards down the channels) and a
/// connection-point-like host serving a few test endpoints over the channels. Real Kestrel, real TLS.
/// </summary>
internal sealed class ChannelTestTopology : IAsyncDisposable
{
    public const string SiteCode = "PS1";
    public const long EndpointId = 72057594037927939;

    private WebApplication? _connectionPoint;

    private ChannelTestTopology(WebApplication cloud, Uri channelBaseUrl, Uri publicUrl)
    {
        Cloud = cloud;
        ChannelBaseUrl = channelBaseUrl;
        PublicUrl = publicUrl;
    }

    public WebApplication Cloud { get; }

    public ChannelRegistry Registry => Cloud.Services.GetRequiredService<ChannelRegistry>();

    public Uri ChannelBaseUrl { get; }

    public Uri PublicUrl { get; }

    public ChannelStatus? ConnectionPointStatus => _connectionPoint?.Services.GetRequiredService<ChannelStatus>();

    /// <summary>Connections the connection point's Kestrel accepted (one per channel).</summary>
    public int ConnectionPointConnections;

    public static async Task<ChannelTestTopology> StartCloudAsync(Action<ChannelClientOptions>? configure = null, Func<HttpContext, bool>? authorizeChannel = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o =>
        {
            o.Listen(IPAddress.Loopback, 0, l =>
            {
                l.Protocols = HttpProtocols.Http2;
                l.UseHttps(new HttpsConnectionAdapterOptions
                {
                    ServerCertificate = TestCertificates.Server,
                    ClientCertificateMode = ClientCertificateMode.AllowCertificate,
                    ClientCertificateValidation = (_, _, _) => true,
                });
            });
            o.Listen(IPAddress.Loopback, 0, l =>
            {
                l.Protocols = HttpProtocols.Http1AndHttp2;
                l.UseHttps(TestCertificates.Server);
            });
        });
        builder.Services.Configure<Microsoft.Extensions.Hosting.HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(1));
        builder.Services.AddChannelRegistry(configure);
        builder.Services.AddHttpForwarder();
        var app = builder.Build();
        var registry = app.Services.GetRequiredService<ChannelRegistry>();
        app.MapPost(TunnelProtocol.ChannelPath + "/{cp}/" + TunnelProtocol.PublishSegment, async (HttpContext context, string cp) =>
        {
            if (authorizeChannel is not null && !authorizeChannel(context))
            {
                return Results.StatusCode(403);
            }

            var publication = await context.Request.ReadFromJsonAsync<ConnectionPointPublication>();
            registry.Publish(publication!);
            return Results.Ok();
        });
        app.MapPost(TunnelProtocol.ChannelPath + "/{cp}", (HttpContext context, string cp) => registry.AcceptChannelAsync(context, cp));
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
        return new ChannelTestTopology(app, new Uri(addresses[0]), new Uri(addresses[1]));
    }

    public async Task StartConnectionPointAsync(Action<ChannelDialerOptions>? configure = null, Action<KestrelServerOptions>? kestrel = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o =>
        {
            o.Listen(new UriEndPoint(new Uri(TunnelProtocol.ChannelUrl(ChannelBaseUrl.AbsoluteUri, "CMGCP01"))), l =>
            {
                l.Protocols = HttpProtocols.Http2;
                l.Use(next => connection =>
                {
                    Interlocked.Increment(ref ConnectionPointConnections);
                    return next(connection);
                });
            });
            o.Limits.Http2.MaxStreamsPerConnection = 100;
            kestrel?.Invoke(o);
        });
        // Kestrel drains channels in use for the host's shutdown timeout, then ends them.
        builder.Services.Configure<Microsoft.Extensions.Hosting.HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(1));
        builder.Services.AddChannelDialer(o =>
        {
            o.Publication = new ConnectionPointPublication { ConnectionPointName = "CMGCP01", SiteCode = SiteCode, EndpointIds = [EndpointId], ChannelsPerInstance = 2 };
            o.ClientCertificate = TestCertificates.Client;
            o.TrustedRoots.Add(TestCertificates.Root);
            o.ReconnectDelay = TimeSpan.FromMilliseconds(100);
            o.MaxReconnectDelay = TimeSpan.FromMilliseconds(500);
            o.JitterSeed = 1;
            configure?.Invoke(o);
        });
        var app = builder.Build();
        app.MapGet("/fwd/hello", () => "hello from the connection point");
        app.MapGet("/fwd/echo-headers", (HttpContext context) => string.Join("\n", context.Request.Headers.Select(h => $"{h.Key}: {h.Value}")));
        app.MapGet("/fwd/slow/{ms:int}", async (int ms) =>
        {
            await Task.Delay(ms);
            return "slow";
        });
        app.MapGet("/fwd/big/{n:int}", async (HttpContext context, int n) =>
        {
            var chunk = new byte[16 * 1024];
            Array.Fill(chunk, (byte)'x');
            for (var i = 0; i < n; i++)
            {
                await context.Response.Body.WriteAsync(chunk, context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
            }
        });
        await app.StartAsync();
        _connectionPoint = app;
    }

    public async Task StopConnectionPointAsync()
    {
        if (_connectionPoint is { } app)
        {
            _connectionPoint = null;
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    public async Task WaitForChannelsAsync(int count, TimeSpan? timeout = null)
    {
        var deadline = TimeProvider.System.GetUtcNow() + (timeout ?? TimeSpan.FromSeconds(10));
        while (Registry.ConnectionPoints.Sum(c => c.OpenChannels) < count)
        {
            if (TimeProvider.System.GetUtcNow() > deadline)
            {
                throw new TimeoutException($"Only {Registry.ConnectionPoints.Sum(c => c.OpenChannels)} of {count} channels opened.");
            }

            await Task.Delay(20);
        }
    }

    public HttpClient CreatePublicClient()
    {
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) =>
        {
            using var chain = new System.Security.Cryptography.X509Certificates.X509Chain();
            chain.ChainPolicy.TrustMode = System.Security.Cryptography.X509Certificates.X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(TestCertificates.Root);
            chain.ChainPolicy.RevocationMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck;
            return chain.Build((System.Security.Cryptography.X509Certificates.X509Certificate2)certificate!);
        };
        return new HttpClient(handler) { BaseAddress = PublicUrl, Timeout = TimeSpan.FromSeconds(30) };
    }

    public async ValueTask DisposeAsync()
    {
        await StopConnectionPointAsync();
        await Cloud.StopAsync();
        await Cloud.DisposeAsync();
    }
}
