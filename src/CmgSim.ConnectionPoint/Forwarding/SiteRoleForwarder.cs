using System.Diagnostics;
using System.Globalization;
using CmgSim.ConnectionPoint.PortBudget;
using CmgSim.Core;
using CmgSim.Core.Errors;
using CmgSim.Core.Telemetry;
using CmgSim.Identity.Tokens;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.AspNetCore.WebUtilities;
using Polly.CircuitBreaker;
using Polly.Timeout;
using Yarp.ReverseProxy.Forwarder;

namespace CmgSim.ConnectionPoint.Forwarding;

/// <summary>
/// Serves the requests that arrive down the channels: maps <c>/CCM_Proxy_*/&lt;id&gt;/&lt;rest&gt;</c> to the
/// internal URL of role &lt;id&gt; and forwards with YARP, logging each message as SMS_Cloud_ProxyConnector.log does.
/// </summary>
internal sealed partial class SiteRoleForwarder(
    SiteRoleClients clients,
    IHttpForwarder forwarder,
    TrafficCounters traffic,
    SiteRolePortBudget ports,
    ConnectionPointTokenCheck tokenCheck,
    TimeProvider timeProvider,
    ILogger<SiteRoleForwarder> logger)
{
    private static readonly ForwarderRequestConfig RequestConfig = new() { ActivityTimeout = TimeSpan.FromSeconds(100) };

    public async Task HandleAsync(HttpContext context)
    {
        var started = timeProvider.GetTimestamp();
        var externalPath = context.Request.Path.Value ?? string.Empty;
        if (!TryMap(externalPath, out var endpointId, out var prefix, out var rest)
            || !clients.TryGet(endpointId, out var mapping, out var client)
            || !SiteRolePaths.IsPublished(mapping.AllowedPathPrefixes ?? SiteRolePaths.For(mapping.Kind), rest))
        {
            Log.NoMapping(logger, externalPath);
            await CmgErrorResponse.TryWriteAsync(context, CmgError.EndpointNotPublished, $"the connection point has no URL mapping for '{externalPath}'");
            return;
        }

        var endpointName = EndpointName(rest);
        var messageId = Guid.NewGuid();
        var bearer = context.Request.Headers.Authorization.Count > 0;
        if (tokenCheck.IsEnabled && prefix.StartsWith(CmgPaths.ServerAuthPrefix, StringComparison.OrdinalIgnoreCase))
        {
            var token = await tokenCheck.ValidateAsync(bearer ? context.Request.Headers.Authorization.ToString() : null, context.RequestAborted);
            if (!token.IsValid)
            {
                Log.TokenRejected(logger, messageId, externalPath, token.Reason, token.Detail);
                await CmgErrorResponse.TryWriteAsync(context, CmgError.Unauthorized, $"bearer token rejected ({token.Reason}): {token.Detail}");
                return;
            }
        }

        var internalUrl = $"{mapping.InternalUrl.GetLeftPart(UriPartial.Authority)}{rest}{context.Request.QueryString}";
        Log.SwitchedToInternalUrl(logger, externalPath, internalUrl);
        Activity.Current?.SetTag(CmgSimTelemetry.EndpointIdTag, endpointId);
        var targetHost = mapping.Fqdn ?? mapping.InternalUrl.Host;

        // Each forwarded request holds a local port toward the site role until it ends (cmg-facts §4.5).
        if (!ports.TryAcquire(out var portsInUse))
        {
            Log.NoLocalPort(logger, messageId, internalUrl, targetHost, ports.Budget, portsInUse);
            traffic.Record(endpointName, targetHost, bearer, context.Request.ContentLength ?? 0, 0, failed: true);
            await CmgErrorResponse.TryWriteAsync(context, CmgError.NoConnectionPointChannel, $"the connection point has no local port left to connect to {targetHost} (port budget {ports.Budget} exhausted, {portsInUse} in use)");
            return;
        }

        // The rewrite: strip /<prefix>/<id>; the rest of the path goes to the role as is.
        context.Request.PathBase = new PathString(prefix);
        context.Request.Path = new PathString(rest);
        ForwarderError error;
        traffic.Enter();
        try
        {
            error = await forwarder.SendAsync(context, mapping.InternalUrl.GetLeftPart(UriPartial.Authority), client, RequestConfig, SiteRoleTransformer.Instance);
        }
        finally
        {
            traffic.Exit();
            ports.Release();
        }

        var failed = false;
        if (error != ForwarderError.None)
        {
            failed = true;
            await HandleErrorAsync(context, error, messageId, internalUrl);
        }

        var elapsed = timeProvider.GetElapsedTime(started);
        var status = context.Response.StatusCode;
        traffic.Record(endpointName, targetHost, bearer, context.Request.ContentLength ?? 0, context.Response.ContentLength ?? 0, failed || status >= 500);
        if (logger.IsEnabled(LogLevel.Information))
        {
            Log.Message(logger, messageId, internalUrl, endpointName, status, ReasonPhrases.GetReasonPhrase(status), context.Response.ContentLength ?? 0, (long)elapsed.TotalMilliseconds);
        }
    }

    private async Task HandleErrorAsync(HttpContext context, ForwarderError error, Guid messageId, string internalUrl)
    {
        var exception = context.Features.Get<IForwarderErrorFeature>()?.Exception;
        if (error is ForwarderError.RequestCanceled or ForwarderError.RequestBodyCanceled or ForwarderError.ResponseBodyCanceled)
        {
            Log.Canceled(logger, messageId, internalUrl, error);
            return;
        }

        var (cmgError, detail) = exception switch
        {
            BrokenCircuitException => (CmgError.NoConnectionPointChannel, $"the circuit to {internalUrl} is open after repeated failures; failing fast"),
            TimeoutRejectedException => (CmgError.SiteRoleTimeout, $"{internalUrl} did not answer in time"),
            _ when error == ForwarderError.RequestTimedOut => (CmgError.SiteRoleTimeout, $"{internalUrl} did not answer in time"),
            _ => (CmgError.SiteRoleUnreachable, $"{internalUrl} could not be reached ({error}): {exception?.GetBaseException().Message}"),
        };
        Log.WebException(logger, messageId, internalUrl, detail);
        await CmgErrorResponse.TryWriteAsync(context, cmgError, detail);
    }

    internal static bool TryMap(string path, out long endpointId, out string prefix, out string rest)
    {
        endpointId = 0;
        prefix = string.Empty;
        rest = string.Empty;
        int afterPrefix;
        if (path.StartsWith(CmgPaths.MutualAuthPrefix + "/", StringComparison.OrdinalIgnoreCase))
        {
            afterPrefix = CmgPaths.MutualAuthPrefix.Length + 1;
        }
        else if (path.StartsWith(CmgPaths.ServerAuthPrefix + "/", StringComparison.OrdinalIgnoreCase))
        {
            afterPrefix = CmgPaths.ServerAuthPrefix.Length + 1;
        }
        else
        {
            return false;
        }

        var end = path.IndexOf('/', afterPrefix);
        if (end < 0)
        {
            end = path.Length;
        }

        if (!long.TryParse(path.AsSpan(afterPrefix, end - afterPrefix), NumberStyles.None, CultureInfo.InvariantCulture, out endpointId))
        {
            return false;
        }

        prefix = path[..end];
        rest = end == path.Length ? "/" : path[end..];
        return true;
    }

    /// <summary>The product's EndpointName: the first segment of the internal path (SMS_MP, CCM_STS, BGB, …).</summary>
    private static string EndpointName(string rest)
    {
        var span = rest.AsSpan(1);
        var end = span.IndexOfAny('/', '.');
        return (end < 0 ? span : span[..end]).ToString();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "MessageID: {MessageId} RequestURI: {RequestUri} EndpointName: {EndpointName} ResponseHeader: HTTP/1.1 {StatusCode} {ReasonPhrase} ~~ ResponseBodySize: {ResponseBodySize} ElapsedTime: {ElapsedMs} ms")]
        public static partial void Message(ILogger logger, Guid messageId, string requestUri, string endpointName, int statusCode, string reasonPhrase, long responseBodySize, long elapsedMs);

        [LoggerMessage(EventId = 5002, Level = LogLevel.Debug, Message = "Switched to internal URL. Replaced '{ExternalPath}' with '{InternalUrl}'")]
        public static partial void SwitchedToInternalUrl(ILogger logger, string externalPath, string internalUrl);

        [LoggerMessage(EventId = 5003, Level = LogLevel.Error, Message = "Web exception for message {MessageId}: forwarding proxy message to URL {InternalUrl} failed: {Detail}")]
        public static partial void WebException(ILogger logger, Guid messageId, string internalUrl, string detail);

        [LoggerMessage(EventId = 5004, Level = LogLevel.Warning, Message = "No URL mapping for '{ExternalPath}'; answered 404")]
        public static partial void NoMapping(ILogger logger, string externalPath);

        [LoggerMessage(EventId = 5006, Level = LogLevel.Warning, Message = "Token validation failed for message {MessageId} to '{ExternalPath}' ({Reason}): {Detail}. Answered 401.")]
        public static partial void TokenRejected(ILogger logger, Guid messageId, string externalPath, TokenRejectReason? reason, string detail);

        [LoggerMessage(EventId = 5007, Level = LogLevel.Error, Message = "Web exception for message {MessageId}: forwarding proxy message to URL {InternalUrl} failed: no local port available to connect to {TargetHost} (port budget {Budget} exhausted, {InUse} in use). An operation on a socket could not be performed because the system lacked sufficient buffer space or because a queue was full (WSAENOBUFS 10055). Answered 503.")]
        public static partial void NoLocalPort(ILogger logger, Guid messageId, string internalUrl, string targetHost, int budget, int inUse);

        [LoggerMessage(EventId = 5005, Level = LogLevel.Information, Message = "Message {MessageId} to {InternalUrl} ended early: {ForwarderError}")]
        public static partial void Canceled(ILogger logger, Guid messageId, string internalUrl, ForwarderError forwarderError);
    }
}
