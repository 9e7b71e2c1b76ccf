namespace CmgSim.ManagementPoint.Notification;

/// <summary>The server side of client notification: who is connected, and pushing tasks to them.</summary>
public interface IClientNotificationService
{
    /// <summary>Clients with a notification session (logged in and not dropped) — what the CMG's per-VM connection limit counts.</summary>
    int ConnectedCount { get; }

    /// <summary>Clients holding a <c>Continue</c> long-poll right now.</summary>
    int WaitingCount { get; }

    bool IsConnected(string smsId);

    /// <summary>Queues <paramref name="task"/> for the client <paramref name="smsId"/> (<c>GUID:…</c>).</summary>
    ValueTask<NotificationPushResult> PushAsync(string smsId, NotificationTask task, CancellationToken cancellationToken = default);
}
