using System.Xml;
using System.Xml.Linq;
using CmgSim.ManagementPoint.CcmMessaging;
using CmgSim.Messaging;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CmgSim.ManagementPoint.LocationManager;

/// <summary>
/// <c>MP_LocationManager</c> (client-protocols §3.4): <c>SiteInformationRequest</c>,
/// <c>ContentLocationRequest</c> and <c>WSUSLocationRequest</c>. Other roots, and requests that name
/// nothing to locate, get no reply (the empty 200). Choices where the product is not captured publicly:
/// <list type="bullet">
/// <item>a <c>SiteInformationRequest</c> for another site gets no reply (as before);</item>
/// <item>a content or WSUS request whose <c>AssignedSite</c> is another site gets a well-formed reply with
/// an empty <c>&lt;Sites/&gt;</c> [U] — the MP's stored procedures find no rows for a site it does not
/// serve, and the client logs "no locations" instead of retrying as it does after an empty 200;</item>
/// <item>a missing <c>AssignedSite</c> means this MP's site, as clients always send it.</item>
/// </list>
/// Whether the client is on the internet (through the CMG) is decided by <see cref="RequestOrigin"/>.
/// </summary>
internal sealed partial class LocationManagerEndpoint : ICcmMessageHandler
{
    public const string Name = "MP_LocationManager";

    string ICcmMessageHandler.EndpointName => Name;

    private readonly ManagementPointOptions _options;
    private readonly LocationOptions _location;
    private readonly IHttpContextAccessor _httpContextAccessor;
    private readonly ILogger _logger;

    public LocationManagerEndpoint(
        IOptions<ManagementPointOptions> options,
        IOptions<LocationOptions> location,
        IHttpContextAccessor httpContextAccessor,
        ILoggerFactory loggerFactory)
    {
        _options = options.Value;
        _location = location.Value;
        _httpContextAccessor = httpContextAccessor;
        _logger = loggerFactory.CreateLogger(ManagementPointLogCategories.Location);
    }

    /// <returns>The reply body XML, or null when there is nothing to reply.</returns>
    public ValueTask<string?> HandleAsync(CcmEnvelope request, CcmRequestContext context, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Handle(request));

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

        var reply = body.Name.LocalName switch
        {
            "SiteInformationRequest" => SiteInformation(body, request.Header),
            "ContentLocationRequest" => ContentLocation(body, RequestOrigin.IsThroughCmg(_httpContextAccessor.HttpContext)),
            "WSUSLocationRequest" => WsusLocation(body, RequestOrigin.IsThroughCmg(_httpContextAccessor.HttpContext)),
            _ => Unsupported(body, request.Header),
        };
        return reply?.ToString(SaveOptions.DisableFormatting);
    }

    private XElement? Unsupported(XElement body, MsgHeader header)
    {
        LogUnsupported(_logger, body.Name.LocalName, header.Id ?? string.Empty);
        return null;
    }

    private bool IsOwnSite(string? siteCode) =>
        string.IsNullOrEmpty(siteCode) || string.Equals(siteCode, _options.SiteCode, StringComparison.OrdinalIgnoreCase);

    private XElement? SiteInformation(XElement body, MsgHeader header)
    {
        var requestedSite = (string?)body.Element("SiteCode")?.Attribute("Name");
        if (!IsOwnSite(requestedSite))
        {
            LogOtherSite(_logger, body.Name.LocalName, requestedSite!, _options.SiteCode);
            return null;
        }

        LogSiteInformation(_logger, _options.SiteCode, header.SourceHost ?? string.Empty);
        return new XElement(
            "SiteInfoReply",
            new XAttribute("SchemaVersion", "1.00"),
            new XElement(
                "Site",
                new XElement("SiteCode", _options.SiteCode.ToUpperInvariant()),
                new XElement("SiteName", _options.SiteName),
                new XElement("Version", _options.ProductVersion),
                new XElement("BuildNumber", _options.BuildNumber)));
    }

    /// <summary>
    /// <c>WSUSLocationRequest</c> → <c>WSUSLocationReply</c> (SUP-TS shape). An internet client gets the
    /// CMG-based SUP URL <c>https://&lt;svc&gt;/CCM_Proxy_MutualAuth/&lt;sup id&gt;</c>, which WUA then
    /// uses as <c>WUServer</c>; an intranet client gets the SUP's own URL. No SUP for the client's
    /// network → empty <c>LocationRecords</c>.
    /// </summary>
    private XElement WsusLocation(XElement body, bool throughCmg)
    {
        var assignedSite = (string?)body.Element("AssignedSite")?.Attribute("SiteCode");
        if (!IsOwnSite(assignedSite))
        {
            LogOtherSite(_logger, body.Name.LocalName, assignedSite!, _options.SiteCode);
            return new XElement("WSUSLocationReply", new XAttribute("SchemaVersion", "1.00"), new XElement("Sites"));
        }

        var content = body.Element("Content");
        var version = (string?)content?.Attribute("Version") ?? "1";
        var onInternet = throughCmg || RequestOrigin.Flag(body.Element("ClientLocationInfo"), "OnInternet");
        var records = new XElement("LocationRecords");
        string? url;
        string? serverName;
        if (onInternet)
        {
            url = _location.CmgSoftwareUpdatePointUrl;
            serverName = _location.CmgServiceName;
        }
        else
        {
            url = _location.SoftwareUpdatePointUrl?.GetLeftPart(UriPartial.Authority);
            serverName = _location.SoftwareUpdatePointUrl?.Host;
        }

        if (url is not null)
        {
            records.Add(new XElement(
                "LocationRecord",
                new XAttribute("WSUSURL", url),
                new XAttribute("ServerName", serverName!),
                new XAttribute("Version", version)));
        }

        LogWsusLocation(_logger, onInternet ? "internet" : "intranet", url ?? "(none)");
        return new XElement(
            "WSUSLocationReply",
            new XAttribute("SchemaVersion", "1.00"),
            new XElement("Sites", new XElement("Site", MpSite(), records)));
    }

    /// <summary>
    /// <c>ContentLocationRequest</c> → <c>ContentLocationReply</c> (shape of the MP_Location.log capture in
    /// the task-sequence troubleshooting article). Intranet clients get the configured DP; the cloud
    /// source (a content-enabled CMG) is offered when the client allows cloud sources (<c>UseAzure="1"</c>),
    /// last for intranet clients (cmg-facts §1.5). Internet clients never get the intranet DP.
    /// </summary>
    private XElement? ContentLocation(XElement body, bool throughCmg)
    {
        var package = body.Element("Package") ?? body.Element("ClientPackage");
        var packageId = (string?)package?.Attribute("ID") ?? (string?)package?.Attribute("PackageID");
        if (string.IsNullOrEmpty(packageId))
        {
            LogNothingToLocate(_logger, body.Name.LocalName);
            return null;
        }

        var assignedSite = (string?)body.Element("AssignedSite")?.Attribute("SiteCode");
        if (!IsOwnSite(assignedSite))
        {
            LogOtherSite(_logger, body.Name.LocalName, assignedSite!, _options.SiteCode);
            return new XElement("ContentLocationReply", new XAttribute("SchemaVersion", "1.00"), new XElement("Sites"));
        }

        var version = (string?)package!.Attribute("Version") ?? "1";
        var locationInfo = body.Element("ClientLocationInfo");
        var onInternet = throughCmg || RequestOrigin.Flag(locationInfo, "UseInternetDP");
        var allowsCloud = RequestOrigin.Flag(locationInfo, "UseAzure");

        // Application content is addressed as "UID:Content_<guid>" and stored as "Content_<guid>.<version>".
        var contentId = packageId.StartsWith("UID:", StringComparison.OrdinalIgnoreCase)
            ? $"{packageId[4..]}.{version}"
            : packageId;
        var records = new XElement("LocationRecords");
        if (!onInternet && _location.DistributionPointFqdn is { } dp)
        {
            records.Add(LocationRecord(
                $"http://{dp}/SMS_DP_SMSPKG$/{contentId}",
                $"http://{dp}/SMS_DP_SMSSIG$/{contentId}.tar",
                dp,
                "SERVER",
                "LOCAL"));
        }

        if (allowsCloud && _location.CmgContentEnabled && _location.CmgBaseUrl is { } cmg)
        {
            // The token query parameters (tid, iss, st, et, …) come with the content access token [U].
            records.Add(LocationRecord(
                $"{cmg}/downloadrestservice.svc/getcontentxmlsecure?pid={Uri.EscapeDataString(packageId)}&cid={Uri.EscapeDataString(contentId)}",
                string.Empty,
                _location.CmgServiceName!,
                "CLOUD",
                onInternet ? "LOCAL" : "FALLBACK"));
        }

        LogContentLocation(_logger, packageId, version, onInternet ? "internet" : "intranet", records.Elements().Count());
        return new XElement(
            "ContentLocationReply",
            new XAttribute("SchemaVersion", "1.00"),
            new XElement("ContentInfo", new XAttribute("PackageFlags", "0"), new XElement("ContentHashValues")),
            new XElement("Sites", new XElement("Site", MpSite(), records)),
            new XElement("RelatedContentIDs"));
    }

    private XElement MpSite() => new(
        "MPSite",
        new XAttribute("SiteCode", _options.SiteCode.ToUpperInvariant()),
        new XAttribute("MasterSiteCode", _options.SiteCode.ToUpperInvariant()),
        new XAttribute("SiteLocality", "LOCAL"),
        new XAttribute("IISPreferedPort", "80"),
        new XAttribute("IISSSLPreferedPort", "443"));

    private XElement LocationRecord(string url, string signature, string server, string dpType, string locality) => new(
        "LocationRecord",
        new XElement("URL", new XAttribute("Name", url), new XAttribute("Signature", signature)),
        new XElement("ADSite", new XAttribute("Name", string.Empty)),
        new XElement("IPSubnets"),
        new XElement("Metric", new XAttribute("Value", string.Empty)),
        new XElement("Version", _options.BuildNumber),
        new XElement(
            "Capabilities",
            new XAttribute("SchemaVersion", "1.0"),
            new XElement("Property", new XAttribute("Name", "SSLState"), new XAttribute("Value", _options.SslState))),
        new XElement("ServerRemoteName", server),
        new XElement("DPType", dpType),
        new XElement("Windows", new XAttribute("Trust", "1")),
        new XElement("Locality", locality));

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "SiteInformationRequest for site {SiteCode} from '{SourceHost}', replying.")]
    private static partial void LogSiteInformation(ILogger logger, string siteCode, string sourceHost);

    [LoggerMessage(EventId = 11, Level = LogLevel.Warning, Message = "{Request} for site {RequestedSite}, but this MP serves {SiteCode}; no locations.")]
    private static partial void LogOtherSite(ILogger logger, string request, string requestedSite, string siteCode);

    [LoggerMessage(EventId = 12, Level = LogLevel.Warning, Message = "Location request <{Root}> (message {MessageId}) is not simulated yet; no reply.")]
    private static partial void LogUnsupported(ILogger logger, string root, string messageId);

    [LoggerMessage(EventId = 13, Level = LogLevel.Warning, Message = "Location request {MessageId} has a body that is not XML: {Reason}")]
    private static partial void LogBadBody(ILogger logger, string messageId, string reason);

    [LoggerMessage(EventId = 14, Level = LogLevel.Information, Message = "WSUSLocationRequest from an {Network} client: WSUS location {Url}.")]
    private static partial void LogWsusLocation(ILogger logger, string network, string url);

    [LoggerMessage(EventId = 15, Level = LogLevel.Information, Message = "ContentLocationRequest for {PackageId} version {Version} from an {Network} client: {Count} location(s).")]
    private static partial void LogContentLocation(ILogger logger, string packageId, string version, string network, int count);

    [LoggerMessage(EventId = 16, Level = LogLevel.Warning, Message = "{Request} names no package; no reply.")]
    private static partial void LogNothingToLocate(ILogger logger, string request);
}
