using System.Net;
using CmgSim.ConnectionPoint.Forwarding;
using CmgSim.Identity.Tokens;
using CmgSim.Tunnel.ConnectionPointSide;
using Microsoft.Extensions.Logging;

namespace CmgSim.ConnectionPoint.Hosting;

/// <summary>Everything needed to start one connection point host.</summary>
public sealed class ConnectionPointHostSettings
{
    /// <summary>The CMG service name (reported as ProxyServer in traffic reports).</summary>
    public required string ServiceName { get; init; }

    /// <summary>The channel base URLs of every VM instance: a connection point keeps channels to each.</summary>
    public required IReadOnlyList<Uri> VmInstanceChannelUrls { get; init; }

    /// <summary>The loopback health endpoint. Port 0 picks a free port.</summary>
    public IPEndPoint HealthEndpoint { get; init; } = new(IPAddress.Loopback, 0);

    public required Action<ConnectionPointOptions> Configure { get; init; }

    /// <summary>Channel settings; the publication is filled from <see cref="ConnectionPointOptions"/>.</summary>
    public required Action<ChannelDialerOptions> ConfigureChannels { get; init; }

    public required SiteRoleTlsSettings SiteRoleTls { get; init; }

    /// <summary>Validates the bearer token of ServerAuth requests again; null trusts the cloud service's check.</summary>
    public BearerTokenValidator? TokenValidator { get; init; }

    /// <summary>
    /// Kestrel's keep-alive timeout for channel connections. When finite it must exceed the VM instances'
    /// idle channel timeout, so idle channels are closed from the VM side first. Default 30 days, in effect
    /// never (Kestrel has no infinite keep-alive).
    /// </summary>
    public TimeSpan KeepAliveTimeout { get; init; } = TimeSpan.FromDays(30);

    /// <summary>
    /// Streams one channel carries at once. Default 32,768: every client's held notification poll is a stream
    /// for as long as it waits, so a channel must carry more than a Large VM's 10,000 clients; a lower cap
    /// queues requests behind held polls and shows up as a false per-VM knee.
    /// </summary>
    public int MaxStreamsPerChannel { get; init; } = 32_768;

    public ILoggerFactory? LoggerFactory { get; init; }

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>How long stopping lets in-flight requests drain. Default 5 s.</summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(5);
}
