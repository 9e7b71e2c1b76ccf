using System.Collections.Concurrent;
using System.Net;
using System.Threading.Channels;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace CmgSim.Tunnel.ConnectionPointSide;

/// <summary>
/// One Kestrel listener for every VM instance of a <see cref="ChannelTargets"/> list. Each instance gets its
/// own <see cref="ChannelConnectionListener"/> (slots, dialing, backoff, rejection) and a pump that hands its
/// channels to Kestrel through one queue, so instances can come and go while Kestrel keeps running.
/// </summary>
internal sealed partial class ChannelTargetsListener : IConnectionListener
{
    private readonly ChannelTargets _targets;
    private readonly Func<Uri, ChannelConnectionListener> _createListener;
    private readonly ChannelStatus _status;
    private readonly ILogger _logger;
    private readonly Channel<ConnectionContext> _accepted = Channel.CreateUnbounded<ConnectionContext>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<Uri, Target> _dialing = new();
    private int _unbound;

    public ChannelTargetsListener(UriEndPoint endpoint, ChannelTargets targets, Func<Uri, ChannelConnectionListener> createListener, ChannelStatus status, ILogger<ChannelTargetsListener> logger)
    {
        EndPoint = endpoint;
        _targets = targets;
        _createListener = createListener;
        _status = status;
        _logger = logger;
    }

    public EndPoint EndPoint { get; }

    /// <summary>Attaches to the list: dials every VM instance in it now, and those added later.</summary>
    public void Start() => _targets.Attach(this);

    /// <summary>Called under the <see cref="ChannelTargets"/> lock, so starts and stops of one instance never interleave.</summary>
    public void StartDialing(Uri channelUrl)
    {
        if (Volatile.Read(ref _unbound) != 0 || _dialing.ContainsKey(channelUrl))
        {
            return;
        }

        var target = new Target(_createListener(channelUrl));
        _dialing[channelUrl] = target;

        Log.Dialing(_logger, channelUrl, _dialing.Count);
        target.Pump = PumpAsync(target);
    }

    /// <summary>Forgets the instance at once (synchronously), then lets its channels drain and end.</summary>
    public Task StopDialingAsync(Uri channelUrl)
    {
        if (Volatile.Read(ref _unbound) != 0)
        {
            // The host is stopping: its shutdown drains and ends every channel, this instance's too.
            _status.Remove(channelUrl);
            return Task.CompletedTask;
        }

        if (!_dialing.TryRemove(channelUrl, out var target))
        {
            return Task.CompletedTask;
        }

        target.Stop.Cancel();
        _status.Remove(channelUrl);
        Log.StoppedDialing(_logger, channelUrl, _dialing.Count);
        return RetireAsync(target);
    }

    private static async Task RetireAsync(Target target)
    {
        await target.Listener.UnbindAsync();
        await target.Pump;
        await target.Listener.WhenChannelsEndedAsync();
        await target.Listener.DisposeAsync();
        target.Stop.Dispose();
    }

    /// <summary>Moves one instance's channels into the queue Kestrel accepts from, until the instance is dropped.</summary>
    private async Task PumpAsync(Target target)
    {
        // Dial from the thread pool, not from the caller of StartDialing.
        await Task.Yield();
        while (true)
        {
            var connection = await target.Listener.AcceptAsync(target.Stop.Token);
            if (connection is null)
            {
                // Unbound, or the VM instance refused this connection point for good.
                return;
            }

            if (target.Stop.IsCancellationRequested || !_accepted.Writer.TryWrite(connection))
            {
                await connection.DisposeAsync();
                return;
            }
        }
    }

    public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            while (await _accepted.Reader.WaitToReadAsync(cancellationToken))
            {
                if (_accepted.Reader.TryRead(out var connection))
                {
                    return connection;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        return null;
    }

    public async ValueTask UnbindAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _unbound, 1) != 0)
        {
            return;
        }

        foreach (var target in _dialing.Values)
        {
            target.Stop.Cancel();
            await target.Listener.UnbindAsync(cancellationToken);
        }

        _accepted.Writer.TryComplete();

        // Channels dialed but not yet accepted never reach Kestrel: end them.
        while (_accepted.Reader.TryRead(out var connection))
        {
            await connection.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await UnbindAsync();
        foreach (var target in _dialing.Values)
        {
            await target.Pump;
            await target.Listener.DisposeAsync();
            target.Stop.Dispose();
        }

        _dialing.Clear();
    }

    private sealed class Target(ChannelConnectionListener listener)
    {
        public ChannelConnectionListener Listener { get; } = listener;

        public CancellationTokenSource Stop { get; } = new();

        public Task Pump { get; set; } = Task.CompletedTask;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 3011, Level = LogLevel.Information, Message = "Keeping channels to the VM instance at {ChannelUrl}; {Instances} VM instance(s) in all")]
        public static partial void Dialing(ILogger logger, Uri channelUrl, int instances);

        [LoggerMessage(EventId = 3012, Level = LogLevel.Information, Message = "The VM instance at {ChannelUrl} was removed: no more channels to it; {Instances} VM instance(s) left")]
        public static partial void StoppedDialing(ILogger logger, Uri channelUrl, int instances);
    }
}
