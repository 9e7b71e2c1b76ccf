using System.Globalization;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CmgSim.SoftwareUpdatePoint.Soap;

/// <summary>
/// The two [MS-WUSP] operations of this cut, written with XDocument rather than SoapCore: two fixed
/// replies do not justify a dependency and a serializer model, and hand-written XML keeps the element
/// order and namespaces exactly as the spec shows. Dispatch is on the quoted SOAPAction header,
/// like ASMX; an unknown action is the ASMX fault (soap:Client, HTTP 500).
/// </summary>
internal sealed partial class WsusSoapEndpoint
{
    private const string SoapContentType = "text/xml; charset=utf-8";

    private readonly SoftwareUpdatePointOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly DateTimeOffset _startedAt;
    private readonly ILogger _logger;

    public WsusSoapEndpoint(IOptions<SoftwareUpdatePointOptions> options, TimeProvider timeProvider, ILoggerFactory loggerFactory)
    {
        _options = options.Value;
        _timeProvider = timeProvider;
        _startedAt = timeProvider.GetUtcNow();
        _logger = loggerFactory.CreateLogger(SoftwareUpdatePointLogCategories.ClientWebService);
    }

    public Task HandleClientWebServiceAsync(HttpContext context) => DispatchAsync(context, WsusNamespaces.GetConfigAction, GetConfig);

    public Task HandleSimpleAuthAsync(HttpContext context) => DispatchAsync(context, WsusNamespaces.GetAuthorizationCookieAction, GetAuthorizationCookie);

    private async Task DispatchAsync(HttpContext context, string supportedAction, Func<XElement, XElement> operation)
    {
        var action = context.Request.Headers["SOAPAction"].ToString().Trim().Trim('"');
        if (!string.Equals(action, supportedAction, StringComparison.Ordinal))
        {
            LogUnknownAction(_logger, action, context.Request.Path);
            await WriteFaultAsync(context, $"Server did not recognize the value of HTTP Header SOAPAction: {action}.");
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
            await WriteFaultAsync(context, $"Server was unable to read request. {ex.Message}");
            return;
        }

        LogOperation(_logger, request.Name.LocalName);
        await WriteEnvelopeAsync(context, StatusCodes.Status200OK, operation(request));
    }

    private XElement GetConfig(XElement request)
    {
        XNamespace ns = WsusNamespaces.ClientWebService;
        var lastChange = (_options.LastChange ?? _startedAt).UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
        return new XElement(
            ns + "GetConfigResponse",
            new XElement(
                ns + "GetConfigResult",
                new XElement(ns + "LastChange", lastChange),
                new XElement(ns + "IsRegistrationRequired", _options.IsRegistrationRequired ? "true" : "false"),
                new XElement(
                    ns + "AuthInfo",
                    new XElement(
                        ns + "AuthPlugInInfo",
                        new XElement(ns + "PlugInID", _options.PlugInId),
                        new XElement(ns + "ServiceUrl", _options.AuthServiceUrl),
                        new XElement(ns + "Parameter"))),
                new XElement(
                    ns + "Properties",
                    _options.Properties.Select(p => new XElement(
                        ns + "ConfigurationProperty",
                        new XElement(ns + "Name", p.Key),
                        new XElement(ns + "Value", p.Value))))));
    }

    /// <summary>The cookie is opaque to the client; ours records who asked and when, for log correlation.</summary>
    private XElement GetAuthorizationCookie(XElement request)
    {
        XNamespace ns = WsusNamespaces.SimpleAuthWebService;
        var clientId = request.Element(ns + "clientId")?.Value ?? string.Empty;
        var targetGroup = request.Element(ns + "targetGroupName")?.Value ?? string.Empty;
        var issued = _timeProvider.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var cookie = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{_options.PlugInId}|{clientId}|{targetGroup}|{issued}"));
        return new XElement(
            ns + "GetAuthorizationCookieResponse",
            new XElement(
                ns + "GetAuthorizationCookieResult",
                new XElement(ns + "PlugInId", _options.PlugInId),
                new XElement(ns + "CookieData", cookie)));
    }

    private static Task WriteFaultAsync(HttpContext context, string message)
    {
        var soap = WsusNamespaces.SoapEnvelope;
        var fault = new XElement(
            soap + "Fault",
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
}
