using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace CmgSim.ManagementPoint.CcmMessaging;

/// <summary>
/// The IIS Windows-auth leg of <c>/ccm_system_windowsauth/request</c>: 401 with <c>Negotiate</c> and
/// <c>NTLM</c> offers, 401 with a CHALLENGE for a NEGOTIATE, and any AUTHENTICATE is accepted.
/// Stateless on purpose: IIS binds the handshake to the connection, but since nothing is verified
/// there is nothing to bind. SPNEGO (Kerberos) tokens are not understood and get the first 401 again.
/// </summary>
internal sealed partial class WindowsAuthChallenge
{
    private readonly ManagementPointOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;

    public WindowsAuthChallenge(IOptions<ManagementPointOptions> options, TimeProvider timeProvider, ILoggerFactory loggerFactory)
    {
        _options = options.Value;
        _timeProvider = timeProvider;
        _logger = loggerFactory.CreateLogger(ManagementPointLogCategories.Messaging);
    }

    /// <returns>The authenticated account when the request may proceed; null when a 401 was written.</returns>
    public string? Authenticate(HttpContext context)
    {
        var authorization = context.Request.Headers.Authorization.ToString();
        var space = authorization.IndexOf(' ', StringComparison.Ordinal);
        var scheme = space > 0 ? authorization[..space] : authorization;
        byte[]? token = null;
        if (space > 0 && (scheme.Equals("NTLM", StringComparison.OrdinalIgnoreCase) || scheme.Equals("Negotiate", StringComparison.OrdinalIgnoreCase)))
        {
            try
            {
                token = Convert.FromBase64String(authorization[(space + 1)..].Trim());
            }
            catch (FormatException)
            {
                token = null;
            }
        }

        switch (token is null ? 0 : NtlmMessages.GetMessageType(token))
        {
            case NtlmMessages.Negotiate:
                var hostLabel = _options.Fqdn.Split('.')[0].ToUpperInvariant();
                var dnsDomain = _options.Fqdn.Contains('.', StringComparison.Ordinal) ? _options.Fqdn[(_options.Fqdn.IndexOf('.', StringComparison.Ordinal) + 1)..] : _options.Fqdn;
                var challenge = NtlmMessages.BuildChallenge(dnsDomain.Split('.')[0].ToUpperInvariant(), hostLabel, dnsDomain, _options.Fqdn, _timeProvider.GetUtcNow());
                LogChallenge(_logger, scheme);
                Write401(context, [$"{scheme} {Convert.ToBase64String(challenge)}"]);
                return null;
            case NtlmMessages.Authenticate:
                var account = NtlmMessages.ReadAccount(token) ?? "(unreadable)";
                LogAuthenticated(_logger, account);
                return account;
            default:
                Write401(context, ["Negotiate", "NTLM"]);
                return null;
        }
    }

    private static void Write401(HttpContext context, string[] challenges)
    {
        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        context.Response.Headers[HeaderNames.WWWAuthenticate] = challenges;
        context.Response.ContentLength = 0;
    }

    [LoggerMessage(EventId = 30, Level = LogLevel.Information, Message = "Windows auth: {Scheme} NEGOTIATE received, sent an NTLM CHALLENGE.")]
    private static partial void LogChallenge(ILogger logger, string scheme);

    [LoggerMessage(EventId = 31, Level = LogLevel.Information, Message = "Windows auth: AUTHENTICATE from {Account} accepted (credentials are not checked).")]
    private static partial void LogAuthenticated(ILogger logger, string account);
}
