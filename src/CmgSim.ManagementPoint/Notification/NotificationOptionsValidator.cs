using Microsoft.Extensions.Options;

namespace CmgSim.ManagementPoint.Notification;

/// <summary>Collects every problem so a bad configuration is fixed in one go.</summary>
internal sealed class NotificationOptionsValidator : IValidateOptions<NotificationOptions>
{
    /// <summary>The activity timeout of the CMG's proxy hops; a held poll must answer before it.</summary>
    private static readonly TimeSpan ProxyActivityTimeout = TimeSpan.FromSeconds(100);

    public ValidateOptionsResult Validate(string? name, NotificationOptions options)
    {
        var errors = new List<string>();
        if (options.ContinueTimeout <= TimeSpan.Zero || options.ContinueTimeout >= ProxyActivityTimeout)
        {
            errors.Add($"Notification:ContinueTimeout must be positive and below the CMG's {ProxyActivityTimeout.TotalSeconds:0} s proxy activity timeout (was {options.ContinueTimeout}).");
        }

        if (options.SessionIdleTimeout <= TimeSpan.Zero)
        {
            errors.Add($"Notification:SessionIdleTimeout must be positive (was {options.SessionIdleTimeout}).");
        }

        if (options.MaxPendingTasksPerClient < 1)
        {
            errors.Add($"Notification:MaxPendingTasksPerClient must be at least 1 (was {options.MaxPendingTasksPerClient}).");
        }

        if (options.MaxTasksPerReply < 1)
        {
            errors.Add($"Notification:MaxTasksPerReply must be at least 1 (was {options.MaxTasksPerReply}).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
