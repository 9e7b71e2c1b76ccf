using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CmgSim.ManagementPoint.Notification;

/// <summary>
/// Notification sessions keyed by SMSID. A client has at most one session: a new <c>LogIn</c>
/// replaces the old one (the client restarted). Sessions end on <c>LogOut</c>, when the client
/// disconnects during a poll, or after <see cref="NotificationOptions.SessionIdleTimeout"/> without a poll.
/// </summary>
internal sealed partial class ClientNotificationService : IClientNotificationService, IDisposable
{
    private readonly ConcurrentDictionary<string, NotificationSession> _sessions = new(StringComparer.OrdinalIgnoreCase);
    private readonly NotificationOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly ITimer _sweep;
    private int _waiting;

    public ClientNotificationService(IOptions<NotificationOptions> options, TimeProvider timeProvider, ILoggerFactory loggerFactory)
    {
        _options = options.Value;
        _timeProvider = timeProvider;
        _logger = loggerFactory.CreateLogger(NotificationEndpoints.LogCategory);
        var period = _options.SessionIdleTimeout / 2;
        _sweep = timeProvider.CreateTimer(static state => ((ClientNotificationService)state!).DropIdleSessions(), this, period, period);
    }

    public int ConnectedCount => _sessions.Count;

    public int WaitingCount => Volatile.Read(ref _waiting);

    public bool IsConnected(string smsId) => _sessions.ContainsKey(smsId);

    public ValueTask<NotificationPushResult> PushAsync(string smsId, NotificationTask task, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(smsId);
        ArgumentNullException.ThrowIfNull(task);
        NotificationPushResult result;
        if (!_sessions.TryGetValue(smsId, out var session))
        {
            result = NotificationPushResult.NotConnected;
        }
        else
        {
            result = session.Tasks.Writer.TryWrite(task) ? NotificationPushResult.Queued : NotificationPushResult.QueueFull;
        }

        LogPush(_logger, task.Type, task.Id, smsId, result);
        return ValueTask.FromResult(result);
    }

    public NotificationSession LogIn(string smsId, string host)
    {
        var session = new NotificationSession(smsId, host, _options.MaxPendingTasksPerClient, _timeProvider.GetTimestamp());
        NotificationSession? replaced = null;
        _sessions.AddOrUpdate(smsId, session, (_, old) =>
        {
            replaced = old;
            return session;
        });
        if (replaced is not null)
        {
            // Ends the old session's poll, if any: its queue completes, so the wait returns at once.
            replaced.Tasks.Writer.TryComplete();
        }

        LogLoggedIn(_logger, smsId, host, session.Id, replaced is not null, _sessions.Count);
        return session;
    }

    public bool LogOut(string smsId, Guid sessionId) =>
        Find(smsId, sessionId) is { } session && Remove(session, "logged out");

    public NotificationSession? Find(string smsId, Guid sessionId) =>
        _sessions.TryGetValue(smsId, out var session) && session.Id == sessionId ? session : null;

    /// <summary>
    /// Holds the poll until a task is queued, <see cref="NotificationOptions.ContinueTimeout"/> passes
    /// (an empty list), or a newer poll or session replaces it (an empty list). When
    /// <paramref name="requestAborted"/> fires the client went away: its session ends and this throws.
    /// </summary>
    public async Task<IReadOnlyList<NotificationTask>> ContinueAsync(NotificationSession session, CancellationToken requestAborted)
    {
        var poll = session.BeginPoll();
        Interlocked.Increment(ref _waiting);
        try
        {
            using var timeout = new CancellationTokenSource(_options.ContinueTimeout, _timeProvider);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(requestAborted, timeout.Token, poll.Token);
            var reader = session.Tasks.Reader;
            try
            {
                if (!reader.TryPeek(out _) && !await reader.WaitToReadAsync(linked.Token))
                {
                    return [];
                }
            }
            catch (OperationCanceledException) when (!requestAborted.IsCancellationRequested)
            {
                return [];
            }

            var tasks = new List<NotificationTask>();
            while (tasks.Count < _options.MaxTasksPerReply && reader.TryRead(out var task))
            {
                tasks.Add(task);
            }

            return tasks;
        }
        catch (OperationCanceledException) when (requestAborted.IsCancellationRequested)
        {
            Remove(session, "disconnected while polling");
            throw;
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
            session.Touch(_timeProvider.GetTimestamp());
            session.EndPoll(poll);
        }
    }

    public void Dispose() => _sweep.Dispose();

    private void DropIdleSessions()
    {
        var now = _timeProvider.GetTimestamp();
        foreach (var session in _sessions.Values)
        {
            if (!session.IsPolling && _timeProvider.GetElapsedTime(session.LastSeen, now) > _options.SessionIdleTimeout)
            {
                Remove(session, "idle");
            }
        }
    }

    private bool Remove(NotificationSession session, string reason)
    {
        // Only this session: the client may already have logged in again.
        if (!_sessions.TryRemove(new KeyValuePair<string, NotificationSession>(session.SmsId, session)))
        {
            return false;
        }

        session.Tasks.Writer.TryComplete();
        LogSessionEnded(_logger, session.SmsId, session.Id, reason, _sessions.Count);
        return true;
    }

    [LoggerMessage(EventId = 60, Level = LogLevel.Information, Message = "BGB LogIn from {SmsId} ({Host}): session {SessionId} (replaced an old one: {Replaced}); {Connected} client(s) connected.")]
    private static partial void LogLoggedIn(ILogger logger, string smsId, string host, Guid sessionId, bool replaced, int connected);

    [LoggerMessage(EventId = 61, Level = LogLevel.Information, Message = "BGB session {SessionId} of {SmsId} ended ({Reason}); {Connected} client(s) connected.")]
    private static partial void LogSessionEnded(ILogger logger, string smsId, Guid sessionId, string reason, int connected);

    [LoggerMessage(EventId = 62, Level = LogLevel.Information, Message = "Push of task {TaskType} ({TaskId}) to {SmsId}: {Result}.")]
    private static partial void LogPush(ILogger logger, NotificationTaskType taskType, Guid taskId, string smsId, NotificationPushResult result);
}
