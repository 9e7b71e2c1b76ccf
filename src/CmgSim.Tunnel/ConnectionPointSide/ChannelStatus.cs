using System.Collections.Concurrent;

namespace CmgSim.Tunnel.ConnectionPointSide;

/// <summary>The state of a connection point's channels, per VM instance, for health checks and tests.</summary>
public sealed class ChannelStatus
{
    private readonly ConcurrentDictionary<Uri, InstanceChannelStatus> _instances = new();

    public IReadOnlyCollection<InstanceChannelStatus> Instances => (IReadOnlyCollection<InstanceChannelStatus>)_instances.Values;

    public InstanceChannelStatus ForInstance(Uri channelUrl) => _instances.GetOrAdd(channelUrl, static url => new InstanceChannelStatus(url));

    /// <summary>Forgets a VM instance the connection point no longer dials (the CMG scaled in).</summary>
    internal bool Remove(Uri channelUrl) => _instances.TryRemove(channelUrl, out _);

    /// <summary>Open channels summed over every VM instance.</summary>
    public int OpenChannels => _instances.Values.Sum(static instance => instance.OpenChannels);
}

/// <summary>Channels to one VM instance.</summary>
public sealed class InstanceChannelStatus
{
    private int _open;
    private long _opened;
    private long _reconnects;
    private volatile string? _rejectedReason;

    internal InstanceChannelStatus(Uri channelUrl)
    {
        ChannelUrl = channelUrl;
    }

    public Uri ChannelUrl { get; }

    public int OpenChannels => Volatile.Read(ref _open);

    /// <summary>Channels opened since start; steady while nothing fails (a growing count means churn).</summary>
    public long OpenedTotal => Interlocked.Read(ref _opened);

    /// <summary>Dial attempts that failed and were retried.</summary>
    public long Reconnects => Interlocked.Read(ref _reconnects);

    /// <summary>Set when the VM instance refused this connection point; it no longer retries.</summary>
    public string? RejectedReason => _rejectedReason;

    internal void Opened()
    {
        Interlocked.Increment(ref _open);
        Interlocked.Increment(ref _opened);
    }

    internal void Closed() => Interlocked.Decrement(ref _open);

    internal void Retried() => Interlocked.Increment(ref _reconnects);

    internal void Rejected(string reason) => _rejectedReason = reason;
}
