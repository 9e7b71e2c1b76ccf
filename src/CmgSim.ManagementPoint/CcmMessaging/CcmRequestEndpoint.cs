using System.Xml.Linq;
using CmgSim.Identity.SiteTokens;
using CmgSim.Identity.Tokens;
using CmgSim.ManagementPoint.Registration;
using CmgSim.ManagementPoint.SecurityTokenService;
using CmgSim.ManagementPoint.SiteDatabase;
using CmgSim.Messaging;
using CmgSim.Messaging.Signing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CmgSim.ManagementPoint.CcmMessaging;

/// <summary>
/// <c>CCM_POST</c> on the four <c>/ccm_system*/request</c> paths: parses the envelope, checks the
/// <c>clientauth</c> signature for <c>ClientSigned</c> endpoints, and dispatches on <c>TargetEndpoint</c>.
/// Anything the MP cannot or will not answer gets what the product sends — HTTP 200 with
/// <c>Content-Length: 0</c> (client-protocols §2.4) — and a log line saying why. An
/// <c>ReplyMode=Async</c> message that passed the checks gets a 200 acknowledgement envelope instead
/// (§8 item 3: never 0 bytes to an asynchronous post), because the real reply would travel to the
/// <c>ReplyTo</c> queue, which has no HTTP back channel here.
/// </summary>
internal sealed partial class CcmRequestEndpoint
{
    private readonly ManagementPointOptions _options;
    private readonly Dictionary<string, ICcmMessageHandler> _handlers;
    private readonly WindowsAuthChallenge _windowsAuth;
    private readonly SiteDatabaseStore _database;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly ILogger _stsLogger;
    private readonly ManagementPointTokenAuthentication? _tokens;

    public CcmRequestEndpoint(
        IOptions<ManagementPointOptions> options,
        IEnumerable<ICcmMessageHandler> handlers,
        WindowsAuthChallenge windowsAuth,
        SiteDatabaseStore database,
        TimeProvider timeProvider,
        ILoggerFactory loggerFactory,
        ManagementPointTokenAuthentication? tokens = null)
    {
        _tokens = tokens;
        _stsLogger = loggerFactory.CreateLogger(ManagementPointLogCategories.Sts);
        _options = options.Value;
        _handlers = handlers.ToDictionary(static h => h.EndpointName, StringComparer.OrdinalIgnoreCase);
        _windowsAuth = windowsAuth;
        _database = database;
        _timeProvider = timeProvider;
        _logger = loggerFactory.CreateLogger(ManagementPointLogCategories.Messaging);
    }

    public async Task HandleAsync(HttpContext context, CcmAuthPath authPath)
    {
        string? windowsAccount = null;
        if (authPath == CcmAuthPath.WindowsAuth && (windowsAccount = _windowsAuth.Authenticate(context)) is null)
        {
            return;
        }

        BearerTokenValidationResult? token = null;
        if (authPath == CcmAuthPath.TokenAuth && (token = await ValidateTokenAsync(context)) is null)
        {
            return;
        }

        var body = await ReadBodyAsync(context.Request, _options.MaxMessageBytes, context.RequestAborted);
        if (body is null)
        {
            LogRejected(_logger, $"the body exceeds {_options.MaxMessageBytes} bytes");
            WriteEmpty(context.Response);
            return;
        }

        if (!CcmMessageReader.TryRead(body, context.Request.ContentType, out var request, out var error))
        {
            LogRejected(_logger, error);
            WriteEmpty(context.Response);
            return;
        }

        var requestContext = new CcmRequestContext(authPath, context.Connection.ClientCertificate is not null, windowsAccount, token);
        var endpoint = request.Header.TargetEndpoint ?? string.Empty;
        var messageId = request.Header.Id ?? string.Empty;
        LogReceived(_logger, messageId, endpoint, request.Header.SourceHost ?? string.Empty, body.Length, authPath);
        if (token is not null && CheckTokenBinding(request.Header, endpoint, token) is { } bindingFailure)
        {
            LogTokenBindingRefused(_stsLogger, messageId, endpoint, bindingFailure);
            await TokenRejection.WriteAsync(context, bindingFailure);
            return;
        }

        if (_options.ClientSignedEndpoints.Contains(endpoint) && CheckClientSignature(request) is { } failure)
        {
            LogSignatureRejected(_logger, messageId, endpoint, failure.Failure, failure.Reason);
            WriteEmpty(context.Response);
            return;
        }

        var simulated = _handlers.TryGetValue(endpoint, out var handler);
        var reply = simulated ? await handler!.HandleAsync(request, requestContext, context.RequestAborted) : null;

        if (IsAsync(request.Header) && (reply is not null || !simulated))
        {
            LogAcknowledged(_logger, messageId, endpoint, simulated);
            var acknowledgement = new XElement(
                "MessageAcknowledgement",
                new XAttribute("MessageID", messageId),
                new XAttribute("Status", "Accepted")).ToString(SaveOptions.DisableFormatting);
            await WriteReplyAsync(context, request.Header, endpoint, acknowledgement);
            return;
        }

        if (reply is null)
        {
            LogNoReply(_logger, messageId, endpoint);
            WriteEmpty(context.Response);
            return;
        }

        await WriteReplyAsync(context, request.Header, endpoint, reply);
    }

    /// <summary>
    /// <c>ccm_system_tokenauth</c> takes the CCM token from <c>CCM_STS</c> (cmg-facts §2.5). The MP validates
    /// it again, whatever the CMG and connection point decided.
    /// </summary>
    /// <returns>The validated token, or null when the request was refused (the 401 is written).</returns>
    private async Task<BearerTokenValidationResult?> ValidateTokenAsync(HttpContext context)
    {
        if (_tokens is null)
        {
            LogTokenRefused(_stsLogger, TokenRejectReason.NotAccepted, "token authentication is not configured on this site");
            await TokenRejection.WriteAsync(context, "this site accepts no token authentication");
            return null;
        }

        var header = context.Request.Headers.Authorization.ToString();
        var token = await _tokens.Validator.ValidateAuthorizationAsync(header.Length == 0 ? null : header, context.RequestAborted);
        if (!token.IsValid)
        {
            LogTokenRefused(_stsLogger, token.Reason, token.Detail);
            await TokenRejection.WriteAsync(context, token.Detail);
            return null;
        }

        if (token.Kind != BearerTokenKind.CcmToken)
        {
            var detail = $"ccm_system_tokenauth takes a CCM token from CCM_STS, not a {token.Kind} token";
            LogTokenRefused(_stsLogger, TokenRejectReason.NotAccepted, detail);
            await TokenRejection.WriteAsync(context, detail);
            return null;
        }

        return token;
    }

    /// <summary>
    /// A CCM token belongs to one client: the SMSID it was issued to (site client tokens) or the Entra device
    /// id the client registered with. Device B cannot speak for itself with device A's token.
    /// </summary>
    /// <returns>Why the message is refused, or null.</returns>
    private string? CheckTokenBinding(MsgHeader header, string endpoint, BearerTokenValidationResult token)
    {
        if (string.Equals(endpoint, ClientRegistrationEndpoint.Name, StringComparison.OrdinalIgnoreCase))
        {
            // Registration binds the token to the client itself (ClientRegistrationEndpoint).
            return null;
        }

        if (!_options.ClientSignedEndpoints.Contains(endpoint))
        {
            // Location requests carry no client identity.
            return null;
        }

        if (token.CcmTokenType == CcmTokenType.BulkRegistration)
        {
            return $"a CCM token issued for a bulk registration token only authorizes registration, not {endpoint}";
        }

        var sourceId = header.SourceId is { Length: > 0 } id ? SmsId.Normalize(id) : null;
        if (sourceId is null)
        {
            return $"a token-authenticated message to {endpoint} must carry its SourceID";
        }

        if (token.SmsId is { } tokenSmsId)
        {
            return string.Equals(SmsId.Normalize(tokenSmsId), sourceId, StringComparison.OrdinalIgnoreCase)
                ? null
                : $"the CCM token was issued to {tokenSmsId}, but the message comes from {sourceId}";
        }

        if (token.EntraDeviceId is { } deviceId)
        {
            var client = _database.FindBySmsId(sourceId);
            if (client?.EntraDeviceId is not { } registeredDevice)
            {
                return $"{sourceId} did not register with a Microsoft Entra device token";
            }

            return registeredDevice == deviceId
                ? null
                : $"the CCM token is for Entra device {deviceId}, but {sourceId} registered as device {registeredDevice}";
        }

        return "the CCM token names neither a client nor a device";
    }

    private static bool IsAsync(MsgHeader header) => string.Equals(header.ReplyMode, "Async", StringComparison.OrdinalIgnoreCase);

    private async Task WriteReplyAsync(HttpContext context, MsgHeader requestHeader, string endpoint, string reply)
    {
        var message = CcmMessage.Create(ReplyHeader(requestHeader), reply, requestHeader.EffectiveReplyCompression);
        var bytes = CcmMessageWriter.Write(message);
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = CcmMessageWriter.GetContentType();
        context.Response.ContentLength = bytes.Length;
        await context.Response.Body.WriteAsync(bytes, context.RequestAborted);
        LogReplied(_logger, requestHeader.Id ?? string.Empty, endpoint, message.Compression, bytes.Length);
    }

    /// <summary>The hook must verify, and its key must be the one registered for <c>SourceID</c>.</summary>
    /// <returns>Null when the message may proceed.</returns>
    private ClientAuthVerification? CheckClientSignature(CcmEnvelope request)
    {
        var verification = ClientAuthVerifier.Verify(request);
        if (!verification.IsValid)
        {
            return verification;
        }

        var client = _database.FindBySmsId(SmsId.Normalize(request.Header.SourceId!));
        if (client is null)
        {
            return verification with { Failure = CcmSignatureFailure.UnknownClient, Reason = $"SourceID {request.Header.SourceId} is not registered" };
        }

        if (!string.Equals(client.SigningPublicKey, verification.Hook!.PublicKey, StringComparison.OrdinalIgnoreCase))
        {
            return verification with { Failure = CcmSignatureFailure.KeyMismatch, Reason = $"the hook's PublicKey is not the signing key registered for {client.SmsId}" };
        }

        if (_options.RejectUnapprovedClients && client.ApprovalStatus == RegistrationApprovalStatus.NotApproved)
        {
            return verification with { Failure = CcmSignatureFailure.UnapprovedClient, Reason = $"{client.SmsId} is not approved" };
        }

        return null;
    }

    /// <summary>The reply header's exact fields are not captured publicly [U]; these are the SDK's field names.</summary>
    private MsgHeader ReplyHeader(MsgHeader request) => new()
    {
        Id = "{" + Guid.NewGuid().ToString().ToUpperInvariant() + "}",
        CorrelationId = request.Id,
        SourceHost = _options.Fqdn.Split('.')[0].ToUpperInvariant(),
        TargetAddress = request.ReplyTo,
        ReplyMode = "Sync",
        Protocol = "http",
        SentTime = _timeProvider.GetUtcNow(),
    };

    private static void WriteEmpty(HttpResponse response)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentLength = 0;
    }

    /// <returns>The body, or null when it is larger than <paramref name="limit"/>.</returns>
    private static async Task<byte[]?> ReadBodyAsync(HttpRequest request, int limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limit)
        {
            return null;
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    [LoggerMessage(EventId = 26, Level = LogLevel.Warning, Message = "ccm_system_tokenauth request refused with 401 ({Reason}): {Detail}")]
    private static partial void LogTokenRefused(ILogger logger, TokenRejectReason? reason, string detail);

    [LoggerMessage(EventId = 27, Level = LogLevel.Warning, Message = "Message {MessageId} to {TargetEndpoint} refused with 401: {Reason}")]
    private static partial void LogTokenBindingRefused(ILogger logger, string messageId, string targetEndpoint, string reason);

    [LoggerMessage(EventId = 20, Level = LogLevel.Warning, Message = "CCM_POST rejected with an empty 200: {Reason}")]
    private static partial void LogRejected(ILogger logger, string reason);

    [LoggerMessage(EventId = 21, Level = LogLevel.Information, Message = "CCM_POST message {MessageId} for {TargetEndpoint} from '{SourceHost}' ({Bytes} bytes) via {AuthPath}.")]
    private static partial void LogReceived(ILogger logger, string messageId, string targetEndpoint, string sourceHost, int bytes, CcmAuthPath authPath);

    [LoggerMessage(EventId = 24, Level = LogLevel.Warning, Message = "Message {MessageId} to {TargetEndpoint} rejected with an empty 200: signature check failed ({Failure}): {Reason}")]
    private static partial void LogSignatureRejected(ILogger logger, string messageId, string targetEndpoint, CcmSignatureFailure failure, string reason);

    [LoggerMessage(EventId = 25, Level = LogLevel.Information, Message = "Asynchronous message {MessageId} to {TargetEndpoint} acknowledged (processed: {Processed}).")]
    private static partial void LogAcknowledged(ILogger logger, string messageId, string targetEndpoint, bool processed);

    [LoggerMessage(EventId = 22, Level = LogLevel.Warning, Message = "No reply for message {MessageId} to {TargetEndpoint} (endpoint not simulated yet, or nothing to answer); empty 200.")]
    private static partial void LogNoReply(ILogger logger, string messageId, string targetEndpoint);

    [LoggerMessage(EventId = 23, Level = LogLevel.Information, Message = "Replied to message {MessageId} for {TargetEndpoint} ({Compression}, {Bytes} bytes).")]
    private static partial void LogReplied(ILogger logger, string messageId, string targetEndpoint, CcmCompression compression, int bytes);
}
