using System.Diagnostics;
using System.Net;
using Yarp.ReverseProxy.Forwarder;

namespace CmgSim.Tunnel.CloudSide;

/// <summary>
/// The channels one connection point holds to one VM instance, and the HTTP/2 client that sends
/// requests down them.
/// </summary>
/// <remarks>
/// The client keeps one HTTP/2 connection (one channel) in use and multiplexes every request on it;
/// the other channels wait as standbys and take over as soon as the active one drops. Taking an
/// idle channel skips closed ones, and a closed channel is never reused.
/// </remarks>
public sealed class ConnectionPointChannels : IDisposable
{
    private readonly object _lock = new();
    private readonly Queue<ChannelStream> _idle = new();
    private readonly Queue<TaskCompletionSource<ChannelStream>> _waiters = new();
    private readonly TimeProvider _timeProvider;
    private readonly TimeSpan _channelWait;
    private int _open;
    private ConnectionPointPublication _publication;

    internal ConnectionPointChannels(ConnectionPointPublication publication, ChannelClientOptions options, TimeProvider timeProvider)
    {
        _publication = publication;
        _timeProvider = timeProvider;
        _channelWait = options.ChannelWaitTimeout;
        Name = publication.ConnectionPointName;
        Destination = $"http://{Uri.EscapeDataString(Name).ToLowerInvariant()}.channel/";
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = (_, cancellationToken) => TakeChannelAsync(cancellationToken),
            EnableMultipleHttp2Connections = false,
            PooledConnectionIdleTimeout = options.IdleChannelTimeout,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            KeepAlivePingDelay = options.KeepAlivePingDelay,
            KeepAlivePingTimeout = options.KeepAlivePingTimeout,
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
            ConnectTimeout = options.ChannelWaitTimeout + TimeSpan.FromSeconds(1),
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            ActivityHeadersPropagator = new ReverseProxyPropagator(DistributedContextPropagator.Current),
        };
        Client = new HttpMessageInvoker(handler, disposeHandler: true);
    }

    public string Name { get; }

    /// <summary>The fake destination prefix the forwarder sends to; the host name never reaches DNS.</summary>
    public string Destination { get; }

    public ConnectionPointPublication Publication => Volatile.Read(ref _publication);

    /// <summary>The HTTP/2 client whose connections are this connection point's channels.</summary>
    public HttpMessageInvoker Client { get; }

    /// <summary>Channels currently open (idle or carrying the HTTP/2 connection).</summary>
    public int OpenChannels => Volatile.Read(ref _open);

    public bool IsConnected => OpenChannels > 0;

    internal void UpdatePublication(ConnectionPointPublication publication) => Volatile.Write(ref _publication, publication);

    /// <summary>Adds a channel that just came up. Returns when the channel closes.</summary>
    internal Task AddAsync(ChannelStream channel)
    {
        Interlocked.Increment(ref _open);
        lock (_lock)
        {
            var handedOut = false;
            while (_waiters.TryDequeue(out var waiter))
            {
                if (waiter.TrySetResult(channel))
                {
                    handedOut = true;
                    break;
                }
            }

            if (!handedOut)
            {
                _idle.Enqueue(channel);
            }
        }

        return WaitForCloseAsync(channel);
    }

    private async Task WaitForCloseAsync(ChannelStream channel)
    {
        try
        {
            await channel.Closed;
        }
        finally
        {
            Interlocked.Decrement(ref _open);
        }
    }

    private async ValueTask<Stream> TakeChannelAsync(CancellationToken cancellationToken)
    {
        TaskCompletionSource<ChannelStream> waiter;
        lock (_lock)
        {
            while (_idle.TryDequeue(out var idle))
            {
                if (!idle.IsClosed)
                {
                    return idle;
                }
            }

            if (OpenChannels == 0)
            {
                throw new NoChannelException(Name);
            }

            // Every open channel is in use or being replaced: wait briefly for the next one.
            waiter = new TaskCompletionSource<ChannelStream>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Enqueue(waiter);
        }

        try
        {
            return await waiter.Task.WaitAsync(_channelWait, _timeProvider, cancellationToken);
        }
        catch (TimeoutException)
        {
            if (waiter.TrySetCanceled(CancellationToken.None))
            {
                throw new NoChannelException(Name);
            }

            // A channel arrived just as the wait ran out: use it.
            return await waiter.Task;
        }
        catch (OperationCanceledException)
        {
            if (!waiter.TrySetCanceled(CancellationToken.None) && waiter.Task.IsCompletedSuccessfully)
            {
                // It was handed to us after all; closing it lets the connection point open a fresh one.
                await waiter.Task.Result.DisposeAsync();
            }

            throw;
        }
    }

    public void Dispose()
    {
        Client.Dispose();
        lock (_lock)
        {
            while (_idle.TryDequeue(out var idle))
            {
                idle.Abort();
            }

            while (_waiters.TryDequeue(out var waiter))
            {
                waiter.TrySetCanceled(CancellationToken.None);
            }
        }
    }
}

/// <summary>Thrown by the channel client when no channel to a connection point is open.</summary>
public sealed class NoChannelException : Exception
{
    public NoChannelException(string connectionPointName)
        : base($"No channel to connection point '{connectionPointName}' is open on this VM instance.")
    {
        ConnectionPointName = connectionPointName;
    }

    public NoChannelException()
        : this(string.Empty)
    {
    }

    public NoChannelException(string message, Exception innerException)
        : base(message, innerException)
    {
        ConnectionPointName = string.Empty;
    }

    public string ConnectionPointName { get; }
}
