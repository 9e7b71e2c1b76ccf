using Microsoft.Extensions.Logging;

namespace CmgSim.ManagementPoint.Inventory;

/// <summary>The key that makes inventory and relay posts idempotent: the header's message id.</summary>
internal static partial class MessageKey
{
    /// <summary>
    /// The id as sent, or — for the empty <c>&lt;ID/&gt;</c> some tools send (client-protocols §2.3) — a fresh one, since
    /// such a post cannot be told apart from its retry anyway.
    /// </summary>
    public static string For(string? headerId, ILogger logger)
    {
        if (!string.IsNullOrWhiteSpace(headerId))
        {
            return headerId.Trim();
        }

        var generated = "generated:" + Guid.NewGuid().ToString("B").ToUpperInvariant();
        LogGenerated(logger, generated);
        return generated;
    }

    [LoggerMessage(EventId = 69, Level = LogLevel.Warning, Message = "Message without an ID stored as {MessageId}; a retry of it cannot be recognised.")]
    private static partial void LogGenerated(ILogger logger, string messageId);
}
