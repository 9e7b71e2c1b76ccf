using CmgSim.ManagementPoint.LocationManager;
using CmgSim.Messaging;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CmgSim.ManagementPoint.CcmMessaging;

/// <summary>
/// <c>CCM_POST /ccm_system/request</c>: parses the envelope and dispatches on <c>TargetEndpoint</c>.
/// Anything the MP cannot or will not answer gets what the product sends — HTTP 200 with
/// <c>Content-Length: 0</c> (client-protocols §2.4) — and a log line saying why.
/// </summary>
internal sealed partial class CcmRequestEndpoint
{
    private readonly ManagementPointOptions _options;
    private readonly LocationManagerEndpoint _locationManager;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;

    public CcmRequestEndpoint(
        IOptions<ManagementPointOptions> options,
        LocationManagerEndpoint locationManager,
        TimeProvider timeProvider,
        ILoggerFactory loggerFactory)
    {
        _options = options.Value;
        _locationManager = locationManager;
        _timeProvider = timeProvider;
        _logger = loggerFactory.CreateLogger(ManagementPointLogCategories.Messaging);
    }

    public async Task HandleAsync(HttpContext context)
    {
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

        var endpoint = request.Header.TargetEndpoint ?? string.Empty;
        LogReceived(_logger, request.Header.Id ?? string.Empty, endpoint, request.Header.SourceHost ?? string.Empty, body.Length);
        var reply = endpoint.Equals(LocationManagerEndpoint.EndpointName, StringComparison.OrdinalIgnoreCase)
            ? _locationManager.Handle(request)
            : null;

        if (reply is null)
        {
            LogNoReply(_logger, request.Header.Id ?? string.Empty, endpoint);
            WriteEmpty(context.Response);
            return;
        }

        var message = CcmMessage.Create(ReplyHeader(request.Header), reply, request.Header.EffectiveReplyCompression);
        var bytes = CcmMessageWriter.Write(message);
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = CcmMessageWriter.GetContentType();
        context.Response.ContentLength = bytes.Length;
        await context.Response.Body.WriteAsync(bytes, context.RequestAborted);
        LogReplied(_logger, request.Header.Id ?? string.Empty, endpoint, message.Compression, bytes.Length);
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

    [LoggerMessage(EventId = 20, Level = LogLevel.Warning, Message = "CCM_POST rejected with an empty 200: {Reason}")]
    private static partial void LogRejected(ILogger logger, string reason);

    [LoggerMessage(EventId = 21, Level = LogLevel.Information, Message = "CCM_POST message {MessageId} for {TargetEndpoint} from '{SourceHost}' ({Bytes} bytes).")]
    private static partial void LogReceived(ILogger logger, string messageId, string targetEndpoint, string sourceHost, int bytes);

    [LoggerMessage(EventId = 22, Level = LogLevel.Warning, Message = "No reply for message {MessageId} to {TargetEndpoint} (endpoint not simulated yet, or nothing to answer); empty 200.")]
    private static partial void LogNoReply(ILogger logger, string messageId, string targetEndpoint);

    [LoggerMessage(EventId = 23, Level = LogLevel.Information, Message = "Replied to message {MessageId} for {TargetEndpoint} ({Compression}, {Bytes} bytes).")]
    private static partial void LogReplied(ILogger logger, string messageId, string targetEndpoint, CcmCompression compression, int bytes);
}
