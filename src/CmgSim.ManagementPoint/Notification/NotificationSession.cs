using System.Threading.Channels;

namespace CmgSim.ManagementPoint.Notification;

/// <summary>
/// One logged-in client: a bounded task queue and at most one held poll. A waiting poll is a
/// pending <see cref="ChannelReader{T}.WaitToReadAsync"/>, not a thread, so thousands cost only memory.
/// </summary>
internal sealed class NotificationSession
{
    private readonly Lock _gate = new();
    private CancellationTokenSource? _poll;
    private long _lastSeen;

    public NotificationSession(string smsId, string host, int capacity, long now)
    {
        SmsId = smsId;
        Host = host;
        _lastSeen = now;
        Tasks = Channel.CreateBounded<NotificationTask>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    public Guid Id { get; } = Guid.NewGuid();

    public string SmsId { get; }

    public string Host { get; }

    public Channel<NotificationTask> Tasks { get; }

    public long LastSeen => Interlocked.Read(ref _lastSeen);

    public bool IsPolling
    {
        get
        {
            lock (_gate)
            {
                return _poll is not null;
            }
        }
    }

    public void Touch(long now) => Interlocked.Exchange(ref _lastSeen, now);

    /// <summary>
    /// Starts a poll. An earlier poll still held (the client gave up on it, e.g. a proxy cut it
    /// without the MP noticing) is answered empty: only the newest poll can reach the client.
    /// </summary>
    public CancellationTokenSource BeginPoll()
    {
        var poll = new CancellationTokenSource();
        lock (_gate)
        {
            // Cancelled under the lock so EndPoll cannot dispose it meanwhile; channel continuations run asynchronously.
            _poll?.Cancel();
            _poll = poll;
        }

        return poll;
    }

    public void EndPoll(CancellationTokenSource poll)
    {
        lock (_gate)
        {
            if (ReferenceEquals(_poll, poll))
            {
                _poll = null;
            }

            poll.Dispose();
        }
    }
}
