using System.Text.Json;
using CmgSim.ConnectionPoint.Forwarding;
using CmgSim.Core;
using CmgSim.Core.Hosting;
using CmgSim.Tunnel;
using CmgSim.Tunnel.ConnectionPointSide;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace CmgSim.ConnectionPoint.Hosting;

/// <summary>
/// One CMG connection point: no public listener, only a loopback health port; Kestrel "listens" on each
/// VM instance's channel URL by dialing channels out and serves the requests that come down them.
/// </summary>
public sealed class ConnectionPointHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ConnectionPointHost(WebApplication app, string name, Uri healthUrl)
    {
        _app = app;
        Name = name;
        HealthUrl = healthUrl;
    }

    public string Name { get; }

    public Uri HealthUrl { get; }

    public ChannelStatus Channels => _app.Services.GetRequiredService<ChannelStatus>();

    public static async Task<ConnectionPointHost> StartAsync(ConnectionPointHostSettings settings, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var builder = RoleHostBuilder.Create(settings.LoggerFactory, settings.TimeProvider, settings.ShutdownTimeout);
        builder.Services.AddOptions<ConnectionPointOptions>()
            .Configure(settings.Configure)
            .ValidateDataAnnotations()
            .Validate(static o => o.UrlMappings.Count > 0, "A connection point needs at least one URL mapping.")
            .Validate(static o => o.SiteRoleTimeout > TimeSpan.Zero && o.BreakDuration > TimeSpan.Zero && o.TrafficReportInterval > TimeSpan.Zero, "Timeouts and intervals must be positive.")
            .ValidateOnStart();
        var connectionPoint = new ConnectionPointOptions();
        settings.Configure(connectionPoint);

        builder.WebHost.UseKestrel(kestrel =>
        {
            kestrel.Limits.KeepAliveTimeout = settings.KeepAliveTimeout;
            kestrel.Limits.Http2.MaxStreamsPerConnection = settings.MaxStreamsPerChannel;
            kestrel.Listen(settings.HealthEndpoint);
            foreach (var instance in settings.VmInstanceChannelUrls)
            {
                kestrel.Listen(new UriEndPoint(new Uri(TunnelProtocol.ChannelUrl(instance.AbsoluteUri, connectionPoint.Name))), listen => listen.Protocols = HttpProtocols.Http2);
            }
        });
        builder.Services.AddChannelDialer(channels =>
        {
            channels.DrainTimeout = settings.ShutdownTimeout;
            settings.ConfigureChannels(channels);
            channels.Publication = new ConnectionPointPublication
            {
                ConnectionPointName = connectionPoint.Name,
                SiteCode = connectionPoint.SiteCode,
                UrlMappings = connectionPoint.UrlMappings.Select(static m => new PublishedUrlMapping(m.EndpointId, m.InternalUrl.AbsoluteUri.TrimEnd('/'), m.AllowedPathPrefixes ?? SiteRolePaths.For(m.Kind))).ToArray(),
                ChannelsPerInstance = channels.ChannelsPerInstance,
            };
        });
        builder.Services.AddHttpForwarder();
        builder.Services.AddSingleton(settings.SiteRoleTls);
        builder.Services.AddSingleton(new ProxyServerName(settings.ServiceName));
        builder.Services.AddSingleton<SiteRoleClients>();
        builder.Services.AddSingleton<SiteRoleForwarder>();
        builder.Services.AddSingleton(new ConnectionPointTokenCheck(settings.TokenValidator));
        builder.Services.AddSingleton<TrafficCounters>();
        builder.Services.AddHostedService(static sp => sp.GetRequiredService<TrafficCounters>());

        var app = builder.Build();
        var forwarder = app.Services.GetRequiredService<SiteRoleForwarder>();
        app.Run(context => context.Features.Get<IChannelConnectionFeature>() is not null
            ? forwarder.HandleAsync(context)
            : WriteHealthAsync(context));
        await app.StartAsync(cancellationToken);
        var health = app.BoundAddresses().First(static a => a.Scheme == Uri.UriSchemeHttp);
        return new ConnectionPointHost(app, connectionPoint.Name, health);
    }

    /// <summary>The loopback health port: channel state per VM instance, as the console's connection status.</summary>
    private static async Task WriteHealthAsync(HttpContext context)
    {
        var options = context.RequestServices.GetRequiredService<IOptions<ConnectionPointOptions>>().Value;
        var status = context.RequestServices.GetRequiredService<ChannelStatus>();
        var instances = status.Instances.Select(static i => new
        {
            channelUrl = i.ChannelUrl.AbsoluteUri,
            openChannels = i.OpenChannels,
            reconnects = i.Reconnects,
            rejected = i.RejectedReason,
        }).ToArray();
        var connected = instances.Length > 0 && instances.All(static i => i.openChannels > 0);
        context.Response.StatusCode = connected ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;
        await context.Response.WriteAsJsonAsync(new { name = options.Name, siteCode = options.SiteCode, connected, instances }, JsonSerializerOptions.Web, context.RequestAborted);
    }

    public async Task StopAsync(CancellationToken cancellationToken = default) => await _app.StopAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
