using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using CmgSim.CloudService.Capacity;
using CmgSim.CloudService.ClientAuthentication;
using CmgSim.CloudService.ServiceMetadata;
using CmgSim.CloudService.Statistics;
using CmgSim.CloudService.TokenAuthentication;
using CmgSim.Core;
using CmgSim.Core.Errors;
using CmgSim.Core.Telemetry;
using CmgSim.Tunnel.CloudSide;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;

namespace CmgSim.CloudService.Routing;

/// <summary>
/// The path of a client request through one VM instance: authenticate, filter the URL against the
/// published list, pick a connection point of the target site that holds a channel to this instance,
/// and forward down that channel.
/// </summary>
internal sealed partial class CmgForwardingHandler
{
    private static readonly HashSet<string> AllowedMethods = new(StringComparer.OrdinalIgnoreCase)
    {
        // The verbs the product lets through (cmg-facts §10.7), plus POST for the SUP's SOAP services.
        "GET", "HEAD", "POST", "CCM_POST", "BITS_POST", "PROPFIND",
    };

    private readonly PublishedUrlList _urls;
    private readonly ChannelRegistry _channels;
    private readonly ClientCertificateAuthenticator _authenticator;
    private readonly BearerTokenAuthenticator _tokens;
    private readonly IHttpForwarder _forwarder;
    private readonly CmgServiceStatistics _statistics;
    private readonly ServiceMetadataResponder _metadata;
    private readonly VmCapacity _capacity;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly ForwarderRequestConfig _requestConfig;
    private readonly Counter<long> _requests;
    private readonly Counter<long> _rejections;
    private readonly KeyValuePair<string, object?> _instanceTag;

    public CmgForwardingHandler(
        PublishedUrlList urls,
        ChannelRegistry channels,
        ClientCertificateAuthenticator authenticator,
        BearerTokenAuthenticator tokens,
        IHttpForwarder forwarder,
        CmgServiceStatistics statistics,
        ServiceMetadataResponder metadata,
        VmCapacity capacity,
        IOptions<CloudServiceOptions> options,
        IMeterFactory meterFactory,
        TimeProvider timeProvider,
        ILogger<CmgForwardingHandler> logger)
    {
        _urls = urls;
        _channels = channels;
        _authenticator = authenticator;
        _tokens = tokens;
        _forwarder = forwarder;
        _statistics = statistics;
        _metadata = metadata;
        _capacity = capacity;
        _timeProvider = timeProvider;
        _logger = logger;
        _requestConfig = new ForwarderRequestConfig
        {
            // HTTP/2 with prior knowledge down the channel, so one channel multiplexes every request.
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            ActivityTimeout = channels.Options.RequestActivityTimeout,
        };
        var meter = meterFactory.Create(CmgSimTelemetry.CloudServiceSource);
        _requests = meter.CreateCounter<long>(CmgSimTelemetry.CloudRequestsInstrument, "{request}", "Client requests a VM instance received.");
        _rejections = meter.CreateCounter<long>(CmgSimTelemetry.CloudRejectionsInstrument, "{request}", "Client requests a VM instance answered with a CMG error.");
        _instanceTag = new(CmgSimTelemetry.VmInstanceTag, options.Value.InstanceName);
    }

    public async Task HandleAsync(HttpContext context)
    {
        var started = _timeProvider.GetTimestamp();
        _requests.Add(1, _instanceTag);
        _capacity.CountRequest();
        var connections = _capacity.ActiveConnections;
        var addedDelay = TimeSpan.Zero;
        if (_capacity.IsOverloaded)
        {
            if (_capacity.Mode == OverloadMode.Refuse)
            {
                // Strict mode: a connection opened past the limit is not served while the instance is still over it.
                if (context.Features.Get<VmClientConnection>() is { AdmittedOverCapacity: true })
                {
                    await RejectAsync(context, CmgError.NoConnectionPointChannel, _capacity.OverCapacityReason());
                    return;
                }
            }
            else
            {
                // The product keeps serving past its supported clients, later (cmg-facts §4.1).
                addedDelay = _capacity.CurrentAddedDelay;
                if (!await DelayAsync(context, addedDelay))
                {
                    return;
                }
            }
        }

        var path = context.Request.Path.Value ?? string.Empty;
        if (!CmgRequestTarget.TryParse(path, out var target))
        {
            await RejectAsync(context, CmgError.EndpointNotPublished, $"'{path}' is not a CMG URL");
            return;
        }

        var feature = new CmgRequestFeature { Prefix = target.Prefix, EndpointId = target.EndpointId, AddedDelay = addedDelay, ClientConnections = connections };
        context.Features.Set(feature);

        if (target.EndpointId is not { } endpointId)
        {
            await HandleServiceEndpointAsync(context, target);
            return;
        }

        if (await AuthenticateClientAsync(context, target) is { } refusal)
        {
            await RejectAsync(context, refusal.Error, refusal.Reason);
            return;
        }

        if (!_urls.TryGetEndpoint(endpointId, out var siteCode, out var allowedPathPrefixes))
        {
            await RejectAsync(context, CmgError.EndpointNotPublished, $"endpoint id {endpointId} is not in the published URL list");
            return;
        }

        if (!SiteRolePaths.IsPublished(allowedPathPrefixes, target.Rest))
        {
            await RejectAsync(context, CmgError.EndpointNotPublished, $"path '{target.Rest}' is not published for endpoint {endpointId}");
            return;
        }

        if (!AllowedMethods.Contains(context.Request.Method))
        {
            await RejectAsync(context, CmgError.MethodNotAllowed, $"verb {context.Request.Method} is not allowed through the CMG");
            return;
        }

        var connectionPoint = _channels.PickConnectionPoint(siteCode, endpointId);
        if (connectionPoint is null)
        {
            await RejectAsync(context, CmgError.NoConnectionPointChannel, $"no connection point of site {siteCode} holds a channel to this VM instance");
            return;
        }

        feature.ConnectionPoint = connectionPoint.Name;
        Activity.Current?.SetTag(CmgSimTelemetry.EndpointIdTag, endpointId).SetTag(CmgSimTelemetry.ConnectionPointTag, connectionPoint.Name);
        var forwardError = await _forwarder.SendAsync(context, connectionPoint.Destination, connectionPoint.Client, _requestConfig, CmgResponseTransformer.Instance);
        if (forwardError != ForwarderError.None)
        {
            await HandleForwardErrorAsync(context, forwardError, connectionPoint.Name);
        }

        _statistics.Record(context, target, _timeProvider.GetElapsedTime(started));
        Log.Forwarded(_logger, context.Request.Method, path, connectionPoint.Name, context.Response.StatusCode);
    }

    /// <returns>False when the client went away during the delay.</returns>
    private async ValueTask<bool> DelayAsync(HttpContext context, TimeSpan delay)
    {
        if (delay <= TimeSpan.Zero)
        {
            return true;
        }

        _capacity.RecordAddedDelay(delay);
        try
        {
            await Task.Delay(delay, _timeProvider, context.RequestAborted);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <returns>Null when the client may pass; otherwise the error to answer with and why.</returns>
    private async ValueTask<(CmgError Error, string Reason)?> AuthenticateClientAsync(HttpContext context, CmgRequestTarget target)
    {
        if (target.Prefix == CmgAuthPrefix.MutualAuth)
        {
            // A bearer token is no substitute for the certificate on a MutualAuth URL.
            var result = _authenticator.Authenticate(context);
            return result.IsValid ? null : (CmgError.ClientCertificateRequired, $"client certificate rejected ({result.Reason}): {result.Detail}");
        }

        var token = await _tokens.AuthenticateAsync(context);
        if (token is null)
        {
            return (CmgError.InvalidToken, context.Request.Headers.Authorization.Count == 0
                ? "no bearer token on a ServerAuth URL"
                : "this CMG accepts no token authentication (no Microsoft Entra tenant is onboarded and site tokens are not enabled)");
        }

        if (!token.IsValid)
        {
            return (CmgError.InvalidToken, $"bearer token rejected ({token.Reason}): {token.Detail}");
        }

        context.Features.Get<CmgRequestFeature>()!.TokenKind = token.Kind;
        return null;
    }

    private async Task HandleServiceEndpointAsync(HttpContext context, CmgRequestTarget target)
    {
        if (string.Equals(target.Segment, "ServiceMetadata", StringComparison.OrdinalIgnoreCase) && target.Rest.Length == 0)
        {
            // Metadata on ServerAuth is open, but a token sent with it is judged: an expired bulk token
            // gets its 401 here (cmg-facts §8.5).
            if ((target.Prefix == CmgAuthPrefix.MutualAuth || context.Request.Headers.Authorization.Count > 0)
                && await AuthenticateClientAsync(context, target) is { } refusal)
            {
                await RejectAsync(context, refusal.Error, refusal.Reason);
                return;
            }

            await _metadata.WriteAsync(context, target.Prefix);
            return;
        }

        if (target.Prefix == CmgAuthPrefix.ServerAuth && string.Equals(target.Segment, AadAuthInfoResponder.Segment, StringComparison.OrdinalIgnoreCase) && target.Rest.Length == 0)
        {
            var query = context.Request.Query["TenantID"].ToString();
            if (!Guid.TryParse(query, out var tenantId))
            {
                await RejectAsync(context, CmgError.EndpointNotPublished, $"AADAuthInfo needs a TenantID GUID, got '{query}'");
                return;
            }

            if (_tokens.FindTenant(tenantId) is not { } tenant)
            {
                await RejectAsync(context, CmgError.EndpointNotPublished, $"Microsoft Entra tenant {tenantId} is not onboarded to this site");
                return;
            }

            await AadAuthInfoResponder.WriteAsync(context, tenant);
            return;
        }

        await RejectAsync(context, CmgError.EndpointNotPublished, $"'{target.Segment}' is neither an endpoint id nor a service endpoint of the CMG");
    }

    private async Task HandleForwardErrorAsync(HttpContext context, ForwarderError forwardError, string connectionPoint)
    {
        var exception = context.Features.Get<IForwarderErrorFeature>()?.Exception;
        if (forwardError is ForwarderError.RequestCanceled or ForwarderError.RequestBodyCanceled or ForwarderError.ResponseBodyCanceled)
        {
            Log.ClientGone(_logger, connectionPoint, forwardError);
            return;
        }

        var (error, detail) = FindInner<NoChannelException>(exception) is { } noChannel
            ? (CmgError.NoConnectionPointChannel, noChannel.Message)
            : forwardError == ForwarderError.RequestTimedOut
                ? (CmgError.SiteRoleTimeout, $"connection point {connectionPoint} did not answer in time")
                : (CmgError.NoConnectionPointChannel, $"the channel to connection point {connectionPoint} failed ({forwardError}): {exception?.Message}");
        await RejectAsync(context, error, detail);
    }

    private static T? FindInner<T>(Exception? exception)
        where T : Exception
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is T match)
            {
                return match;
            }
        }

        return null;
    }

    private async Task RejectAsync(HttpContext context, CmgError error, string detail)
    {
        if (context.Features.Get<CmgRequestFeature>() is { } feature)
        {
            feature.Error = error;
        }

        _rejections.Add(1, _instanceTag, new KeyValuePair<string, object?>(CmgSimTelemetry.ErrorCodeTag, error.Code()));
        Activity.Current?.SetTag(CmgSimTelemetry.ErrorCodeTag, error.Code());
        Log.Rejected(_logger, context.Request.Method, context.Request.Path.Value ?? string.Empty, error.StatusCode(), error.Code(), detail, context.Connection.RemoteIpAddress);
        await CmgErrorResponse.TryWriteAsync(context, error, detail);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1001, Level = LogLevel.Warning, Message = "{Method} {Path} from {RemoteIp} answered {StatusCode} {ErrorCode}: {Reason}")]
        public static partial void Rejected(ILogger logger, string method, string path, int statusCode, string errorCode, string reason, IPAddress? remoteIp);

        [LoggerMessage(EventId = 1002, Level = LogLevel.Debug, Message = "{Method} {Path} forwarded to connection point {ConnectionPoint}: {StatusCode}")]
        public static partial void Forwarded(ILogger logger, string method, string path, string connectionPoint, int statusCode);

        [LoggerMessage(EventId = 1003, Level = LogLevel.Information, Message = "The client went away while its request to connection point {ConnectionPoint} was in flight ({ForwarderError})")]
        public static partial void ClientGone(ILogger logger, string connectionPoint, ForwarderError forwarderError);
    }
}
