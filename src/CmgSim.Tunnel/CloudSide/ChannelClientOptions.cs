namespace CmgSim.Tunnel.CloudSide;

/// <summary>How a VM instance uses the channels connection points open to it.</summary>
public sealed class ChannelClientOptions
{
    /// <summary>How long a request waits for a channel when every open one is busy being replaced. Default 2 s.</summary>
    public TimeSpan ChannelWaitTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long an idle channel connection stays in the VM instance's pool. It must be shorter than the
    /// connection point's keep-alive timeout, so the VM side closes idle channels first and never sends a
    /// request down a channel the connection point is closing. Default 5 minutes.
    /// </summary>
    public TimeSpan IdleChannelTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>HTTP/2 PING interval on the channel while requests are active. Default 30 s.</summary>
    public TimeSpan KeepAlivePingDelay { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan KeepAlivePingTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>YARP's activity timeout for one forwarded request. Default 100 s, as YARP's.</summary>
    public TimeSpan RequestActivityTimeout { get; set; } = TimeSpan.FromSeconds(100);
}
