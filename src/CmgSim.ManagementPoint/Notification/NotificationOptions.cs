namespace CmgSim.ManagementPoint.Notification;

/// <summary>
/// The MP's client notification server over HTTP (<c>/bgb/handler.ashx</c>, client-protocols §3.8).
/// Configure with <c>services.Configure&lt;NotificationOptions&gt;</c>; validated at start-up.
/// </summary>
public sealed class NotificationOptions
{
    /// <summary>
    /// How long a <c>Continue</c> long-poll is held before it answers "no tasks" so the client polls
    /// again. Must stay below the 100 s activity timeout of both proxy hops of the CMG (YARP on the
    /// CMG and on the connection point), or the CMG would cut a healthy poll with a 504.
    /// The product's value is not public [U].
    /// </summary>
    public TimeSpan ContinueTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// A logged-in client that has not polled for this long (and holds no poll) is dropped: it crashed
    /// or lost its network without a <c>LogOut</c>. Clients re-poll at once, so this only has to
    /// cover the gap between two polls.
    /// </summary>
    public TimeSpan SessionIdleTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Tasks queued for one client before further pushes are refused (a client that never polls).</summary>
    public int MaxPendingTasksPerClient { get; set; } = 32;

    /// <summary>Largest number of tasks one <c>Continue</c> reply carries; the rest wait for the next poll.</summary>
    public int MaxTasksPerReply { get; set; } = 16;
}
