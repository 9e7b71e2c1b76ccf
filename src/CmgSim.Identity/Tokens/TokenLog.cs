using Microsoft.Extensions.Logging;

namespace CmgSim.Identity.Tokens;

internal static partial class TokenLog
{
    [LoggerMessage(EventId = 4101, Level = LogLevel.Warning, Message = "Bearer token rejected ({Reason}): {Detail}")]
    public static partial void Rejected(ILogger logger, TokenRejectReason reason, string detail);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Debug, Message = "Bearer token accepted: {Kind}, tenant {TenantId}, device {DeviceId}, user {UserId}, SMS ID {SmsId}, token {TokenId}, valid to {ValidTo:o}")]
    public static partial void Accepted(ILogger logger, BearerTokenKind? kind, Guid? tenantId, Guid? deviceId, Guid? userId, string? smsId, Guid? tokenId, DateTimeOffset? validTo);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Information, Message = "Refreshed the OpenID metadata of tenant {TenantId} for unknown kid '{Kid}': {KeyCount} signing key(s)")]
    public static partial void MetadataRefreshed(ILogger logger, Guid tenantId, string kid, int keyCount);

    [LoggerMessage(EventId = 4104, Level = LogLevel.Warning, Message = "Could not refresh the OpenID metadata of tenant {TenantId}: {Problem}")]
    public static partial void MetadataRefreshFailed(ILogger logger, Guid tenantId, string problem);
}
