using System.Globalization;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CmgSim.ManagementPoint.Notification;

/// <summary>
/// <c>POST /bgb/handler.ashx?RequestType=LogIn|Continue|LogOut</c> — the HTTP fallback of the BGB
/// channel (SDK <c>ConfigMgrBgbHttpSession</c>, client-protocols §3.8). The endpoint and request types
/// are public; the payloads are not [U], so these shapes are the simulator's own, one small XML
/// element each way:
/// <list type="bullet">
/// <item>LogIn: <c>&lt;BgbLogIn SMSID="GUID:…" Host="CLIENT01"/&gt;</c> → 200
/// <c>&lt;BgbLogInReply SessionID="{…}" ContinueTimeout="60"/&gt;</c>; a malformed SMSID or host → 400;</item>
/// <item>Continue: <c>&lt;BgbContinue SMSID="…" SessionID="…"/&gt;</c> → held until a task or
/// <see cref="NotificationOptions.ContinueTimeout"/>, then 200 <c>&lt;BgbTasks&gt;</c> with one
/// <c>&lt;Task ID="{…}" Type="1" Name="RequestMachinePolicy" TaskParam="base64"/&gt;</c> per task (none on
/// timeout); an unknown or replaced session → 410 Gone, "log in again";</item>
/// <item>LogOut: <c>&lt;BgbLogOut SMSID="…" SessionID="…"/&gt;</c> → 200 <c>&lt;BgbLogOutReply/&gt;</c>,
/// also for a session already gone (logging out twice is harmless).</item>
/// </list>
/// A missing or unknown RequestType, a body that is not such an element, or one over
/// <see cref="MaxBodyBytes"/> → 400.
/// </summary>
internal sealed partial class BgbHandlerEndpoint
{
    public const int MaxBodyBytes = 8 * 1024;
    private const string XmlContentType = "text/xml; charset=utf-8";
    private const string SmsIdPrefix = "GUID:";

    private readonly ClientNotificationService _service;
    private readonly NotificationOptions _options;
    private readonly ILogger _logger;

    public BgbHandlerEndpoint(ClientNotificationService service, IOptions<NotificationOptions> options, ILoggerFactory loggerFactory)
    {
        _service = service;
        _options = options.Value;
        _logger = loggerFactory.CreateLogger(NotificationEndpoints.LogCategory);
    }

    public async Task HandleAsync(HttpContext context)
    {
        var requestType = context.Request.Query["RequestType"].ToString();
        var body = await ReadBodyAsync(context.Request, context.RequestAborted);
        var smsId = (string?)body?.Attribute("SMSID");
        if (body is null || !IsSmsId(smsId))
        {
            await BadRequestAsync(context, requestType, "missing or malformed SMSID");
            return;
        }

        switch (requestType.ToUpperInvariant())
        {
            case "LOGIN" when body.Name.LocalName == "BgbLogIn":
                await LogInAsync(context, smsId, (string?)body.Attribute("Host"));
                break;
            case "CONTINUE" when body.Name.LocalName == "BgbContinue":
                await ContinueAsync(context, smsId, SessionId(body));
                break;
            case "LOGOUT" when body.Name.LocalName == "BgbLogOut":
                _service.LogOut(smsId, SessionId(body));
                await WriteXmlAsync(context, new XElement("BgbLogOutReply"));
                break;
            default:
                await BadRequestAsync(context, requestType, $"unknown request type or body <{body.Name.LocalName}>");
                break;
        }
    }

    private async Task LogInAsync(HttpContext context, string smsId, string? host)
    {
        if (host is null || Uri.CheckHostName(host) != UriHostNameType.Dns)
        {
            await BadRequestAsync(context, "LogIn", "missing or malformed Host");
            return;
        }

        var session = _service.LogIn(smsId, host);
        await WriteXmlAsync(context, new XElement(
            "BgbLogInReply",
            new XAttribute("SessionID", session.Id.ToString("B").ToUpperInvariant()),
            new XAttribute("ContinueTimeout", ((int)Math.Ceiling(_options.ContinueTimeout.TotalSeconds)).ToString(CultureInfo.InvariantCulture))));
    }

    private async Task ContinueAsync(HttpContext context, string smsId, Guid sessionId)
    {
        if (_service.Find(smsId, sessionId) is not { } session)
        {
            LogUnknownSession(_logger, smsId, sessionId);
            context.Response.StatusCode = StatusCodes.Status410Gone;
            return;
        }

        IReadOnlyList<NotificationTask> tasks;
        try
        {
            tasks = await _service.ContinueAsync(session, context.RequestAborted);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // Nobody is left to answer; the session already ended.
            return;
        }

        await WriteXmlAsync(context, new XElement("BgbTasks", tasks.Select(static task => new XElement(
            "Task",
            new XAttribute("ID", task.Id.ToString("B").ToUpperInvariant()),
            new XAttribute("Type", ((int)task.Type).ToString(CultureInfo.InvariantCulture)),
            new XAttribute("Name", task.Type.ToString()),
            new XAttribute("TaskParam", Convert.ToBase64String(Encoding.UTF8.GetBytes(task.TaskParam ?? string.Empty)))))));
    }

    private static bool IsSmsId([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] string? smsId) =>
        smsId is not null && smsId.StartsWith(SmsIdPrefix, StringComparison.OrdinalIgnoreCase) && Guid.TryParse(smsId.AsSpan(SmsIdPrefix.Length), out _);

    private static Guid SessionId(XElement body) =>
        Guid.TryParse((string?)body.Attribute("SessionID"), out var id) ? id : Guid.Empty;

    private static async Task<XElement?> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > MaxBodyBytes)
        {
            return null;
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        try
        {
            buffer.Position = 0;
            return XElement.Load(buffer);
        }
        catch (XmlException)
        {
            return null;
        }
    }

    private async Task BadRequestAsync(HttpContext context, string requestType, string reason)
    {
        LogBadRequest(_logger, requestType, reason);
        context.Response.StatusCode = StatusCodes.Status400BadRequest;
        await context.Response.WriteAsync(reason, context.RequestAborted);
    }

    private static async Task WriteXmlAsync(HttpContext context, XElement reply)
    {
        context.Response.ContentType = XmlContentType;
        await context.Response.WriteAsync(reply.ToString(SaveOptions.DisableFormatting), context.RequestAborted);
    }

    [LoggerMessage(EventId = 63, Level = LogLevel.Warning, Message = "Refused BGB request '{RequestType}': {Reason}; 400.")]
    private static partial void LogBadRequest(ILogger logger, string requestType, string reason);

    [LoggerMessage(EventId = 64, Level = LogLevel.Information, Message = "BGB Continue from {SmsId} for unknown session {SessionId}: 410, the client logs in again.")]
    private static partial void LogUnknownSession(ILogger logger, string smsId, Guid sessionId);
}
