using System.Security.Cryptography.X509Certificates;

namespace CmgSim.Tunnel.ConnectionPointSide;

/// <summary>How a connection point opens and keeps its channels to the VM instances.</summary>
public sealed class ChannelDialerOptions
{
    /// <summary>The publication sent to each VM instance before channels open.</summary>
    public ConnectionPointPublication? Publication { get; set; }

    /// <summary>The connection point's client-auth certificate, with its private key.</summary>
    public X509Certificate2? ClientCertificate { get; set; }

    /// <summary>The roots the VM instances' server certificates must chain to.</summary>
    public IList<X509Certificate2> TrustedRoots { get; } = new List<X509Certificate2>();

    /// <summary>Channels kept open to each VM instance. Default 2: one carries the traffic, one stands by.</summary>
    public int ChannelsPerInstance { get; set; } = 2;

    /// <summary>The channel check: HTTP/2 PING interval on every channel. The product checks every minute.</summary>
    public TimeSpan ChannelCheckInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long a channel check may go unanswered before the channel is dropped.</summary>
    public TimeSpan ChannelCheckTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Timeout to connect and get the channel's response headers.</summary>
    public TimeSpan DialTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>First reconnect delay; doubles with jitter up to <see cref="MaxReconnectDelay"/>.</summary>
    public TimeSpan ReconnectDelay { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxReconnectDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// On shutdown, how long channels carrying requests may drain (GOAWAY sent, in-flight requests
    /// finishing) before they are ended. Default 5 s; keep it no longer than the host's shutdown timeout.
    /// </summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Seed of the reconnect jitter, so tests are repeatable. Null: a random seed.</summary>
    public int? JitterSeed { get; set; }
}
