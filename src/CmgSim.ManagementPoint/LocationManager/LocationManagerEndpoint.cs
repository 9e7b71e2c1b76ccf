using System.Xml;
using System.Xml.Linq;
using CmgSim.Messaging;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CmgSim.ManagementPoint.LocationManager;

/// <summary>
/// <c>MP_LocationManager</c> (client-protocols §3.4). This cut answers <c>SiteInformationRequest</c>;
/// other location requests, and requests for another site, get no reply (the empty 200).
/// The reply root is <c>SiteInfoReply</c>, the name seen in mprecon and the memdocs log.
/// </summary>
internal sealed partial class LocationManagerEndpoint
{
    public const string EndpointName = "MP_LocationManager";

    private readonly ManagementPointOptions _options;
    private readonly ILogger _logger;

    public LocationManagerEndpoint(IOptions<ManagementPointOptions> options, ILoggerFactory loggerFactory)
    {
        _options = options.Value;
        _logger = loggerFactory.CreateLogger(ManagementPointLogCategories.Location);
    }

    /// <returns>The reply body XML, or null when there is nothing to reply.</returns>
    public string? Handle(CcmEnvelope request)
    {
        XElement body;
        try
        {
            body = XElement.Parse(request.Message.Body);
        }
        catch (XmlException ex)
        {
            LogBadBody(_logger, request.Header.Id ?? string.Empty, ex.Message);
            return null;
        }

        if (body.Name.LocalName != "SiteInformationRequest")
        {
            LogUnsupported(_logger, body.Name.LocalName, request.Header.Id ?? string.Empty);
            return null;
        }

        var requestedSite = (string?)body.Element("SiteCode")?.Attribute("Name");
        if (!string.IsNullOrEmpty(requestedSite) && !string.Equals(requestedSite, _options.SiteCode, StringComparison.OrdinalIgnoreCase))
        {
            LogOtherSite(_logger, requestedSite, _options.SiteCode);
            return null;
        }

        LogSiteInformation(_logger, _options.SiteCode, request.Header.SourceHost ?? string.Empty);
        return new XElement(
            "SiteInfoReply",
            new XAttribute("SchemaVersion", "1.00"),
            new XElement(
                "Site",
                new XElement("SiteCode", _options.SiteCode.ToUpperInvariant()),
                new XElement("SiteName", _options.SiteName),
                new XElement("Version", _options.ProductVersion),
                new XElement("BuildNumber", _options.BuildNumber)))
            .ToString(SaveOptions.DisableFormatting);
    }

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "SiteInformationRequest for site {SiteCode} from '{SourceHost}', replying.")]
    private static partial void LogSiteInformation(ILogger logger, string siteCode, string sourceHost);

    [LoggerMessage(EventId = 11, Level = LogLevel.Warning, Message = "SiteInformationRequest for site {RequestedSite}, but this MP serves {SiteCode}; no reply.")]
    private static partial void LogOtherSite(ILogger logger, string requestedSite, string siteCode);

    [LoggerMessage(EventId = 12, Level = LogLevel.Warning, Message = "Location request <{Root}> (message {MessageId}) is not simulated yet; no reply.")]
    private static partial void LogUnsupported(ILogger logger, string root, string messageId);

    [LoggerMessage(EventId = 13, Level = LogLevel.Warning, Message = "Location request {MessageId} has a body that is not XML: {Reason}")]
    private static partial void LogBadBody(ILogger logger, string messageId, string reason);
}
