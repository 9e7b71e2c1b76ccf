using System.Xml.Linq;
using CmgSim.SoftwareUpdatePoint.Cookies;
using CmgSim.SoftwareUpdatePoint.Reporting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace CmgSim.SoftwareUpdatePoint.Soap;

/// <summary>
/// ReportingWebService.asmx: ReportEventBatch stores each ReportingEvent/BasicData under the client
/// id sealed in the cookie (the cookie and its children are in the reporting namespace here).
/// </summary>
internal sealed partial class ReportingWebService(WsusCookies cookies, ReportingEventStore store, TimeProvider timeProvider, ILoggerFactory loggerFactory)
{
    private static readonly XNamespace Ns = WsusNamespaces.ReportingWebService;

    private readonly ILogger _logger = loggerFactory.CreateLogger(SoftwareUpdatePointLogCategories.ReportingWebService);

    public XElement ReportEventBatch(XElement request, HttpContext context)
    {
        var identity = cookies.ReadServerCookie(request.Element(Ns + "cookie"), Ns);
        var batch = SoapRead.Required(request, Ns + "eventBatch").Elements(Ns + "ReportingEvent").ToList();
        var now = timeProvider.GetUtcNow();
        var events = batch.Select(e => Read(identity.ClientId, e, now)).ToList();
        store.Add(identity.ClientId, events);
        LogStored(_logger, events.Count, identity.ClientId);
        return new XElement(Ns + "ReportEventBatchResponse", new XElement(Ns + "ReportEventBatchResult", "true"));
    }

    private static StoredReportingEvent Read(string clientId, XElement reportingEvent, DateTimeOffset receivedAt)
    {
        var basic = SoapRead.Required(reportingEvent, Ns + "BasicData");
        var update = basic.Element(Ns + "UpdateID");
        Guid? updateId = null;
        if (update?.Element(Ns + "UpdateID")?.Value is { Length: > 0 } text)
        {
            updateId = Guid.TryParse(text, out var parsed) ? parsed : throw SoapRead.Invalid("UpdateID", $"'{text}' is not a GUID");
        }

        return new StoredReportingEvent(
            clientId,
            SoapRead.OptionalInt(basic, Ns + "NamespaceID"),
            SoapRead.RequiredInt(basic, Ns + "EventID"),
            SoapRead.OptionalInt(basic, Ns + "SourceID"),
            updateId,
            update?.Element(Ns + "RevisionNumber") is not null ? SoapRead.RequiredInt(update, Ns + "RevisionNumber") : null,
            SoapRead.OptionalInt(basic, Ns + "Win32HResult"),
            basic.Element(Ns + "AppName")?.Value,
            basic.Element(Ns + "TimeAtTarget")?.Value,
            receivedAt);
    }

    [LoggerMessage(EventId = 20, Level = LogLevel.Information, Message = "ReportEventBatch: {Count} event(s) stored for client {ClientId}.")]
    private static partial void LogStored(ILogger logger, int count, string clientId);
}
