namespace CmgSim.ManagementPoint.Notification;

/// <summary>
/// The numeric BGB task type (SDK <c>BgbTaskType</c>, client-protocols §3.8). Only 15 = run script is
/// public (DC33 slides 38–40); the other numbers follow the order of the console's client
/// notification actions and are [U] — the wire carries the name as well, so a client can key on either.
/// </summary>
public enum NotificationTaskType
{
    RequestMachinePolicy = 1,
    RequestUserPolicy = 2,
    RequestDiscoveryData = 3,
    RequestSoftwareInventory = 4,
    RequestHardwareInventory = 5,
    RequestSoftwareUpdateScan = 6,
    RequestSoftwareUpdateEvaluation = 7,
    RequestApplicationEvaluation = 8,
    RunScript = 15,
}

/// <summary>One task pushed to a client over its notification channel.</summary>
/// <param name="TaskParam">The task's parameter XML (sent base64-encoded, client-protocols §3.8); null for none.</param>
public sealed record NotificationTask(NotificationTaskType Type, string? TaskParam = null)
{
    /// <summary>Identifies the task in logs and in the client's reply.</summary>
    public Guid Id { get; init; } = Guid.NewGuid();
}

/// <summary>What became of a push.</summary>
public enum NotificationPushResult
{
    /// <summary>Queued for the client; a waiting <c>Continue</c> answers with it at once.</summary>
    Queued,

    /// <summary>The client has no notification session (never logged in, logged out, or dropped).</summary>
    NotConnected,

    /// <summary>The client's queue is full (<see cref="NotificationOptions.MaxPendingTasksPerClient"/>).</summary>
    QueueFull,
}
