using Microsoft.Extensions.Logging;

namespace CmgSim.Identity.Entra;

internal static partial class EntraLog
{
    [LoggerMessage(EventId = 4501, Level = LogLevel.Information, Message = "Issued {TokenType} token for {Resource} to {Subject} (client {ClientId}, tenant {TenantId}, kid {KeyId}, expires {Expires:o})")]
    public static partial void TokenIssued(ILogger logger, string tokenType, string resource, string subject, string clientId, Guid tenantId, string keyId, DateTimeOffset expires);

    [LoggerMessage(EventId = 4502, Level = LogLevel.Warning, Message = "Token request refused (grant {GrantType}, client {ClientId}, tenant {Tenant}): {StatusCode} {Error} {Reason}")]
    public static partial void TokenRefused(ILogger logger, string grantType, string clientId, string tenant, int statusCode, string error, string reason);

    [LoggerMessage(EventId = 4503, Level = LogLevel.Warning, Message = "{Path} refused: {StatusCode} {Error} {Reason}")]
    public static partial void DiscoveryRefused(ILogger logger, string path, int statusCode, string error, string reason);

    [LoggerMessage(EventId = 4504, Level = LogLevel.Information, Message = "Signing key rolled over: new tokens are signed with kid {KeyId}; kid {PreviousKeyId} stays in the JWKS")]
    public static partial void SigningKeyRolledOver(ILogger logger, string keyId, string previousKeyId);

    [LoggerMessage(EventId = 4505, Level = LogLevel.Information, Message = "Entra ID tenants at {Url}: {Tenants}; signing with kid {KeyId}; keys in {KeyDirectory}")]
    public static partial void Started(ILogger logger, Uri url, string tenants, string keyId, string keyDirectory);
}
