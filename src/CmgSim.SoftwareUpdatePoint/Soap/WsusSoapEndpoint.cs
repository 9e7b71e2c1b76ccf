using System.Text;
using System.Xml;
using System.Xml.Linq;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace CmgSim.SoftwareUpdatePoint.Soap;

/// <summary>One [MS-WUSP] operation: the request's body element in, the response's body element out.</summary>
internal delegate XElement SoapOperation(XElement request, HttpContext context);

/// <summary>
/// The three ASMX services, written with XDocument rather than SoapCore: hand-written XML keeps the
/// element order and namespaces exactly as the spec shows. Dispatch is on the quoted SOAPAction
/// header, like ASMX; an unknown action is the ASMX fault (soap:Client, HTTP 500, no ErrorCode),
/// while a failed operation is the [MS-WUSP] fault of <see cref="WsusSoapFault"/>.
/// </summary>
internal sealed partial class WsusSoapEndpoint
{
    private const string SoapContentType = "text/xml; charset=utf-8";

    private readonly IReadOnlyDictionary<string, SoapOperation> _clientWebService;
    private readonly IReadOnlyDictionary<string, SoapOperation> _simpleAuth;
    private readonly IReadOnlyDictionary<string, SoapOperation> _reporting;
    private readonly ILogger _logger;

    public WsusSoapEndpoint(ClientWebService client, SimpleAuthWebService simpleAuth, ReportingWebService reporting, ILoggerFactory loggerFactory)
    {
        _clientWebService = new Dictionary<string, SoapOperation>(StringComparer.Ordinal)
        {
            [WsusNamespaces.GetConfigAction] = client.GetConfig,
            [WsusNamespaces.GetCookieAction] = client.GetCookie,
            [WsusNamespaces.RegisterComputerAction] = client.RegisterComputer,
            [WsusNamespaces.SyncUpdatesAction] = client.SyncUpdates,
            [WsusNamespaces.GetExtendedUpdateInfoAction] = client.GetExtendedUpdateInfo,
        };
        _simpleAuth = new Dictionary<string, SoapOperation>(StringComparer.Ordinal)
        {
            [WsusNamespaces.GetAuthorizationCookieAction] = simpleAuth.GetAuthorizationCookie,
        };
        _reporting = new Dictionary<string, SoapOperation>(StringComparer.Ordinal)
        {
            [WsusNamespaces.ReportEventBatchAction] = reporting.ReportEventBatch,
        };
        _logger = loggerFactory.CreateLogger(SoftwareUpdatePointLogCategories.ClientWebService);
    }

    public Task HandleClientWebServiceAsync(HttpContext context) => DispatchAsync(context, _clientWebService);

    public Task HandleSimpleAuthAsync(HttpContext context) => DispatchAsync(context, _simpleAuth);

    public Task HandleReportingAsync(HttpContext context) => DispatchAsync(context, _reporting);

    private async Task DispatchAsync(HttpContext context, IReadOnlyDictionary<string, SoapOperation> operations)
    {
        var action = context.Request.Headers["SOAPAction"].ToString().Trim().Trim('"');
        if (!operations.TryGetValue(action, out var operation))
        {
            LogUnknownAction(_logger, action, context.Request.Path);
            await WriteAsmxFaultAsync(context, $"Server did not recognize the value of HTTP Header SOAPAction: {action}.");
            return;
        }

        XElement request;
        try
        {
            var document = await XDocument.LoadAsync(context.Request.Body, LoadOptions.None, context.RequestAborted);
            request = document.Root?.Element(WsusNamespaces.SoapEnvelope + "Body")?.Elements().FirstOrDefault()
                ?? throw new XmlException("The envelope has no soap:Body element.");
        }
        catch (XmlException ex)
        {
            LogBadRequest(_logger, action, ex.Message);
            await WriteAsmxFaultAsync(context, $"Server was unable to read request. {ex.Message}");
            return;
        }

        XElement response;
        try
        {
            response = operation(request, context);
        }
        catch (WsusFaultException ex)
        {
            var id = Guid.NewGuid();
            LogFault(_logger, request.Name.LocalName, ex.ErrorCode, ex.Message, id);
            var actor = $"{context.Request.Scheme}://{context.Request.Host}{context.Request.PathBase}{context.Request.Path}";
            await WriteEnvelopeAsync(context, StatusCodes.Status500InternalServerError, WsusSoapFault.Create(ex.ErrorCode, ex.Message, action, actor, id));
            return;
        }

        LogOperation(_logger, request.Name.LocalName);
        await WriteEnvelopeAsync(context, StatusCodes.Status200OK, response);
    }

    private static Task WriteAsmxFaultAsync(HttpContext context, string message)
    {
        var fault = new XElement(
            WsusNamespaces.SoapEnvelope + "Fault",
            new XElement("faultcode", "soap:Client"),
            new XElement("faultstring", message),
            new XElement("detail"));
        return WriteEnvelopeAsync(context, StatusCodes.Status500InternalServerError, fault);
    }

    private static async Task WriteEnvelopeAsync(HttpContext context, int status, XElement content)
    {
        var soap = WsusNamespaces.SoapEnvelope;
        var envelope = new XElement(
            soap + "Envelope",
            new XAttribute(XNamespace.Xmlns + "soap", soap.NamespaceName),
            new XAttribute(XNamespace.Xmlns + "xsi", "http://www.w3.org/2001/XMLSchema-instance"),
            new XAttribute(XNamespace.Xmlns + "xsd", "http://www.w3.org/2001/XMLSchema"),
            new XElement(soap + "Body", content));
        var bytes = Encoding.UTF8.GetBytes("<?xml version=\"1.0\" encoding=\"utf-8\"?>" + envelope.ToString(SaveOptions.DisableFormatting));
        context.Response.StatusCode = status;
        context.Response.ContentType = SoapContentType;
        context.Response.ContentLength = bytes.Length;
        await context.Response.Body.WriteAsync(bytes, context.RequestAborted);
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "SOAP {Operation} served.")]
    private static partial void LogOperation(ILogger logger, string operation);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Unknown SOAPAction '{Action}' on {Path}; answering a SOAP fault (500).")]
    private static partial void LogUnknownAction(ILogger logger, string action, string path);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "Unreadable SOAP request for {Action}: {Reason}")]
    private static partial void LogBadRequest(ILogger logger, string action, string reason);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "SOAP {Operation} fault {ErrorCode}: {Reason} (fault id {FaultId}).")]
    private static partial void LogFault(ILogger logger, string operation, WsusErrorCode errorCode, string reason, Guid faultId);
}
