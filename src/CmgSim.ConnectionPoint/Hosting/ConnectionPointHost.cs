using System.Text.Json;
using CmgSim.ConnectionPoint.Forwarding;
using CmgSim.ConnectionPoint.PortBudget;
using CmgSim.Core;
using CmgSim.Core.Hosting;
using CmgSim.Tunnel;
using CmgSim.Tunnel.ConnectionPointSide;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CmgSim.ConnectionPoint.Hosting;

/// <summary>
/// One CMG connection point: no public listener, only a loopback health port; Kestrel "listens" on each
/// VM instance's channel URL by dialing channels out and serves the requests that come down them. VM
/// instances can be added and removed while it runs (<see cref="AddVmInstance"/>, <see cref="RemoveVmInstanceAsync"/>).
/// </summary>
public sealed partial class ConnectionPointHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ChannelTargets _targets;
    private readonly ILogger _logger;

    private ConnectionPointHost(WebApplication app, string name, Uri healthUrl)
    {
        _app = app;
        Name = name;
        HealthUrl = healthUrl;
        _targets = app.Services.GetRequiredService<ChannelTargets>();
        _logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger<ConnectionPointHost>();
    }

    public string Name { get; }

    public Uri HealthUrl { get; }

    public ChannelStatus Channels => _app.Services.GetRequiredService<ChannelStatus>();

    /// <summary>The channel base URLs of the VM instances this connection point keeps channels to.</summary>
    public IReadOnlyList<Uri> VmInstanceChannelUrls => _targets.ChannelUrls.Select(static url => new Uri(url.GetLeftPart(UriPartial.Authority))).ToArray();

    /// <summary>Local ports toward the MP and SUP in use now (forwarded requests in flight), out of <see cref="ConnectionPointOptions.SiteRolePortBudget"/>.</summary>
    public int SiteRolePortsInUse => _app.Services.GetRequiredService<SiteRolePortBudget>().InUse;

    /// <summary>
    /// The CMG gained a VM instance: keep channels to it too. Warns when this connection point then serves more
    /// VM instances than one connection point supports (four, cmg-facts §4.2).
    /// </summary>
    /// <param name="channelBaseUrl">The instance's channel base URL (<c>VmInstanceHost.ChannelUrl</c>).</param>
    /// <returns>False when the connection point already dials it.</returns>
    public bool AddVmInstance(Uri channelBaseUrl)
    {
        ArgumentNullException.ThrowIfNull(channelBaseUrl);
        if (!_targets.Add(ChannelUrlOf(channelBaseUrl, Name)))
        {
            return false;
        }

        WarnIfOverSupportedInstances(_logger, Name, _targets.Count);
        return true;
    }

    /// <summary>
    /// The CMG lost a VM instance: stop dialing it. Standby channels close at once; channels carrying requests
    /// get the drain time, then they end. Completes when they have.
    /// </summary>
    /// <returns>False when the connection point did not dial it.</returns>
    public Task<bool> RemoveVmInstanceAsync(Uri channelBaseUrl)
    {
        ArgumentNullException.ThrowIfNull(channelBaseUrl);
        return _targets.RemoveAsync(ChannelUrlOf(channelBaseUrl, Name));
    }

    private static Uri ChannelUrlOf(Uri channelBaseUrl, string connectionPointName) =>
        new(TunnelProtocol.ChannelUrl(channelBaseUrl.AbsoluteUri, connectionPointName));

    private static void WarnIfOverSupportedInstances(ILogger logger, string name, int instances)
    {
        if (instances > ConnectionPointOptions.SupportedVmInstances)
        {
            Log.TooManyVmInstances(logger, name, instances, ConnectionPointOptions.SupportedVmInstances, (instances + ConnectionPointOptions.SupportedVmInstances - 1) / ConnectionPointOptions.SupportedVmInstances);
        }
    }

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

            // One listener for every VM instance, so instances can be added and removed while this runs.
            kestrel.Listen(ChannelTargets.CreateEndPoint(), listen => listen.Protocols = HttpProtocols.Http2);
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
        builder.Services.AddSingleton<SiteRolePortBudget>();
        builder.Services.AddHostedService(static sp => sp.GetRequiredService<TrafficCounters>());

        var app = builder.Build();
        var targets = app.Services.GetRequiredService<ChannelTargets>();
        foreach (var instance in settings.VmInstanceChannelUrls)
        {
            targets.Add(ChannelUrlOf(instance, connectionPoint.Name));
        }

        WarnIfOverSupportedInstances(app.Services.GetRequiredService<ILoggerFactory>().CreateLogger<ConnectionPointHost>(), connectionPoint.Name, targets.Count);
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
        var ports = context.RequestServices.GetRequiredService<SiteRolePortBudget>();
        var instances = status.Instances.Select(static i => new
        {
            channelUrl = i.ChannelUrl.AbsoluteUri,
            openChannels = i.OpenChannels,
            reconnects = i.Reconnects,
            rejected = i.RejectedReason,
        }).ToArray();
        var connected = instances.Length > 0 && instances.All(static i => i.openChannels > 0);
        context.Response.StatusCode = connected ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;
        var siteRolePorts = new { inUse = ports.InUse, peak = ports.Peak, budget = ports.Budget };
        await context.Response.WriteAsJsonAsync(new { name = options.Name, siteCode = options.SiteCode, connected, instances, siteRolePorts }, JsonSerializerOptions.Web, context.RequestAborted);
    }

    public async Task StopAsync(CancellationToken cancellationToken = default) => await _app.StopAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 5201, Level = LogLevel.Warning, Message = "Connection point {ConnectionPoint} keeps channels to {Instances} VM instances; one CMG connection point supports up to {Supported} VM instances. Add connection points: {Needed} for this many VM instances.")]
        public static partial void TooManyVmInstances(ILogger logger, string connectionPoint, int instances, int supported, int needed);
    }
}
