using Microsoft.AspNetCore.Connections;

namespace CmgSim.Tunnel.ConnectionPointSide;

/// <summary>
/// The VM instances a connection point keeps channels to, when its Kestrel listens on
/// <see cref="CreateEndPoint"/>: instances can be added and removed while it runs, as the CMG scales out
/// and in (cmg-facts §4.1: the instance count changes at any time). Listening on a VM instance's channel
/// URL itself (a <see cref="UriEndPoint"/> with an <c>https</c> URL) still dials that one instance, fixed
/// for the host's life.
/// </summary>
public sealed class ChannelTargets
{
    /// <summary>The URI scheme of the endpoint that stands for "every VM instance in this list".</summary>
    public const string Scheme = "cmgsim-channels";

    private readonly Lock _lock = new();
    private readonly List<Uri> _channelUrls = [];
    private ChannelTargetsListener? _listener;

    /// <summary>The endpoint to <c>Listen</c> on so that Kestrel serves channels to every VM instance of this list.</summary>
    public static UriEndPoint CreateEndPoint() => new(new Uri(Scheme + "://vm-instances/"));

    /// <summary>The channel URLs (<c>…/CMGChannel/&lt;connection point&gt;</c>) dialed now.</summary>
    public IReadOnlyList<Uri> ChannelUrls
    {
        get
        {
            lock (_lock)
            {
                return [.. _channelUrls];
            }
        }
    }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _channelUrls.Count;
            }
        }
    }

    /// <summary>Starts dialing <paramref name="channelUrl"/> (at once when the host runs, else when it starts).</summary>
    /// <returns>False when the instance was already in the list.</returns>
    public bool Add(Uri channelUrl)
    {
        ArgumentNullException.ThrowIfNull(channelUrl);
        lock (_lock)
        {
            if (_channelUrls.Contains(channelUrl))
            {
                return false;
            }

            _channelUrls.Add(channelUrl);
            _listener?.StartDialing(channelUrl);
            return true;
        }
    }

    /// <summary>
    /// Stops dialing <paramref name="channelUrl"/>: standby channels close at once, channels carrying requests
    /// get the drain time (<see cref="ChannelDialerOptions.DrainTimeout"/>), then they are ended.
    /// </summary>
    /// <returns>False when the instance was not in the list.</returns>
    public async Task<bool> RemoveAsync(Uri channelUrl)
    {
        ArgumentNullException.ThrowIfNull(channelUrl);
        Task stopped;
        lock (_lock)
        {
            if (!_channelUrls.Remove(channelUrl))
            {
                return false;
            }

            // The listener forgets the instance before the lock is released; the drain runs after.
            stopped = _listener?.StopDialingAsync(channelUrl) ?? Task.CompletedTask;
        }

        await stopped;
        return true;
    }

    /// <summary>Kestrel bound the listener: it dials every instance listed so far, and those added later.</summary>
    internal void Attach(ChannelTargetsListener listener)
    {
        lock (_lock)
        {
            if (_listener is not null)
            {
                throw new InvalidOperationException("A connection point listens on its VM instance list once.");
            }

            _listener = listener;
            foreach (var channelUrl in _channelUrls)
            {
                listener.StartDialing(channelUrl);
            }
        }
    }
}
