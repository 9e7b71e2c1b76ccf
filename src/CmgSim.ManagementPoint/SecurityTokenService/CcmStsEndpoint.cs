using System.Text.Json;
using CmgSim.Identity.SiteTokens;
using CmgSim.Identity.Tokens;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace CmgSim.ManagementPoint.SecurityTokenService;

/// <summary>
/// The MP's security token service, <c>/CCM_STS</c> (cmg-facts §2.3–2.5): a client presents an Entra
/// device or user token, a bulk registration token (the "PreAuth" token of ccmsetup) or its site client
/// token as <c>Authorization: Bearer</c>, and gets an 8-hour CCM token. With
/// <c>?RenewClientToken=1</c> a site client token is renewed for another 90 days (the client asks
/// once a month at start-up, and only while the old one is still valid).
/// </summary>
internal sealed partial class CcmStsEndpoint
{
    public const string Path = "/CCM_STS";

    private readonly ManagementPointTokenAuthentication? _tokens;
    private readonly ILogger _logger;

    public CcmStsEndpoint(ILoggerFactory loggerFactory, ManagementPointTokenAuthentication? tokens = null)
    {
        _tokens = tokens;
        _logger = loggerFactory.CreateLogger(ManagementPointLogCategories.Sts);
    }

    public async Task HandleAsync(HttpContext context)
    {
        if (_tokens is null)
        {
            LogNotConfigured(_logger);
            await TokenRejection.WriteAsync(context, "this site issues no CCM tokens (token authentication is not configured)");
            return;
        }

        var token = await _tokens.Validator.ValidateAuthorizationAsync(context.Request.Headers.Authorization.ToString() is { Length: > 0 } header ? header : null, context.RequestAborted);
        if (!token.IsValid)
        {
            if (TokenRejection.LooksLikeBulkToken(context.Request.Headers.Authorization.ToString()))
            {
                LogPreAuthFailed(_logger, token.Reason, token.Detail);
            }
            else
            {
                LogValidationFailed(_logger, token.Reason, token.Detail);
            }

            await TokenRejection.WriteAsync(context, token.Detail);
            return;
        }

        CcmTokenSubject subject;
        switch (token.Kind)
        {
            case BearerTokenKind.EntraDevice:
            case BearerTokenKind.EntraUser:
                var type = token.Kind == BearerTokenKind.EntraDevice ? CcmTokenType.Device : CcmTokenType.UDA;
                LogAadTokenValidated(_logger, type, token.TenantId, token.UserObjectId, token.EntraDeviceId, token.OnPremisesSid ?? string.Empty);
                subject = new CcmTokenSubject
                {
                    Type = type,
                    TenantId = token.TenantId,
                    EntraDeviceId = token.EntraDeviceId,
                    UserObjectId = token.UserObjectId,
                    UserPrincipalName = token.UserPrincipalName,
                };
                break;
            case BearerTokenKind.BulkRegistration:
                LogPreAuthValidated(_logger, token.TokenId, token.ValidTo);
                subject = new CcmTokenSubject { Type = CcmTokenType.BulkRegistration };
                break;
            case BearerTokenKind.ClientToken:
                LogClientTokenValidated(_logger, token.SmsId ?? string.Empty, token.ValidTo);
                subject = new CcmTokenSubject { Type = CcmTokenType.ClientToken, SmsId = token.SmsId, EntraDeviceId = token.EntraDeviceId };
                break;
            default:
                // A CCM token cannot buy another one, and an app-only Entra token is no device or user.
                LogKindRefused(_logger, token.Kind);
                await TokenRejection.WriteAsync(context, $"a {token.Kind} token is not accepted by CCM_STS");
                return;
        }

        var ccmToken = _tokens.SiteTokens.IssueCcmToken(subject);
        SiteToken? renewed = null;
        if (string.Equals(context.Request.Query["RenewClientToken"], "1", StringComparison.Ordinal))
        {
            if (token.Kind != BearerTokenKind.ClientToken || token.SmsId is null)
            {
                LogRenewRefused(_logger, token.Kind);
                await TokenRejection.WriteAsync(context, "only a valid site client token can be renewed");
                return;
            }

            renewed = _tokens.SiteTokens.IssueClientToken(token.SmsId, token.EntraDeviceId);
            LogClientTokenRenewed(_logger, token.SmsId, renewed.ValidTo);
        }

        LogCcmTokenIssued(_logger, subject.Type, subject.SmsId ?? string.Empty, subject.UserObjectId, subject.EntraDeviceId, ccmToken.ValidTo);
        var reply = new CcmStsReply
        {
            TokenType = subject.Type.ToString(),
            CcmToken = ccmToken.Jwt,
            ExpiresOn = ccmToken.ValidTo,
            ClientToken = renewed?.Jwt,
            ClientTokenExpiresOn = renewed?.ValidTo,
        };
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/json; charset=utf-8";
        await JsonSerializer.SerializeAsync(context.Response.Body, reply, cancellationToken: context.RequestAborted);
    }

    [LoggerMessage(EventId = 70, Level = LogLevel.Warning, Message = "CCM_STS refused the request: token authentication is not configured on this site.")]
    private static partial void LogNotConfigured(ILogger logger);

    [LoggerMessage(EventId = 71, Level = LogLevel.Warning, Message = "PreAuth token validation failed ({Reason}). {Detail}")]
    private static partial void LogPreAuthFailed(ILogger logger, TokenRejectReason? reason, string detail);

    [LoggerMessage(EventId = 72, Level = LogLevel.Warning, Message = "Token validation failed ({Reason}). {Detail}")]
    private static partial void LogValidationFailed(ILogger logger, TokenRejectReason? reason, string detail);

    [LoggerMessage(EventId = 73, Level = LogLevel.Information, Message = "Validated AAD token. TokenType: {TokenType} TenantId: {TenantId} UserId: {UserId} DeviceId: {DeviceId} OnPrem_UserSid: {OnPremUserSid} OnPrem_DeviceSid: ")]
    private static partial void LogAadTokenValidated(ILogger logger, CcmTokenType tokenType, Guid? tenantId, Guid? userId, Guid? deviceId, string onPremUserSid);

    [LoggerMessage(EventId = 74, Level = LogLevel.Information, Message = "Validated PreAuth (bulk registration) token {TokenId}, valid to {ValidTo:u}.")]
    private static partial void LogPreAuthValidated(ILogger logger, Guid? tokenId, DateTimeOffset? validTo);

    [LoggerMessage(EventId = 75, Level = LogLevel.Information, Message = "Validated client token of {SmsId}, valid to {ValidTo:u}.")]
    private static partial void LogClientTokenValidated(ILogger logger, string smsId, DateTimeOffset? validTo);

    [LoggerMessage(EventId = 76, Level = LogLevel.Warning, Message = "CCM_STS does not accept a {Kind} token.")]
    private static partial void LogKindRefused(ILogger logger, BearerTokenKind? kind);

    [LoggerMessage(EventId = 77, Level = LogLevel.Warning, Message = "Client token renewal refused: the request carried a {Kind} token, not a client token.")]
    private static partial void LogRenewRefused(ILogger logger, BearerTokenKind? kind);

    [LoggerMessage(EventId = 78, Level = LogLevel.Information, Message = "Renewed the client token of {SmsId}, valid to {ValidTo:u}.")]
    private static partial void LogClientTokenRenewed(ILogger logger, string smsId, DateTimeOffset validTo);

    [LoggerMessage(EventId = 79, Level = LogLevel.Information, Message = "Issued CCM token. Type: {TokenType} SMSID: {SmsId} userId: {UserId} deviceId: {DeviceId}, expires {ValidTo:u}.")]
    private static partial void LogCcmTokenIssued(ILogger logger, CcmTokenType tokenType, string smsId, Guid? userId, Guid? deviceId, DateTimeOffset validTo);
}
