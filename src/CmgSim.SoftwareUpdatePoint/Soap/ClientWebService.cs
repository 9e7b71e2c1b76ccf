using System.Globalization;
using System.Xml.Linq;
using CmgSim.SoftwareUpdatePoint.Catalog;
using CmgSim.SoftwareUpdatePoint.Cookies;
using CmgSim.SoftwareUpdatePoint.Registration;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CmgSim.SoftwareUpdatePoint.Soap;

/// <summary>
/// The client.asmx operations of the scan chain (MS-WUSP 3.1.5): GetConfig → GetCookie →
/// RegisterComputer → SyncUpdates (paged) → GetExtendedUpdateInfo.
/// </summary>
internal sealed partial class ClientWebService
{
    private static readonly XNamespace Ns = WsusNamespaces.ClientWebService;

    private readonly SoftwareUpdatePointOptions _options;
    private readonly WsusCookies _cookies;
    private readonly ComputerRegistry _registry;
    private readonly UpdateCatalog _catalog;
    private readonly TimeProvider _timeProvider;
    private readonly DateTimeOffset _lastChange;
    private readonly int _maxExtendedUpdates;
    private readonly ILogger _logger;

    public ClientWebService(
        IOptions<SoftwareUpdatePointOptions> options,
        WsusCookies cookies,
        ComputerRegistry registry,
        UpdateCatalog catalog,
        TimeProvider timeProvider,
        ILoggerFactory loggerFactory)
    {
        _options = options.Value;
        _cookies = cookies;
        _registry = registry;
        _catalog = catalog;
        _timeProvider = timeProvider;
        // Millisecond precision: the wire format carries no more, and GetCookie compares it.
        _lastChange = DateTimeOffset.FromUnixTimeMilliseconds((_options.LastChange ?? timeProvider.GetUtcNow()).ToUnixTimeMilliseconds());
        _maxExtendedUpdates = _options.Properties.TryGetValue("MaxExtendedUpdatesPerRequest", out var max) && int.TryParse(max, CultureInfo.InvariantCulture, out var parsed) && parsed > 0 ? parsed : 50;
        _logger = loggerFactory.CreateLogger(SoftwareUpdatePointLogCategories.ClientWebService);
    }

    public XElement GetConfig(XElement request, HttpContext context) => new(
        Ns + "GetConfigResponse",
        new XElement(
            Ns + "GetConfigResult",
            new XElement(Ns + "LastChange", Format(_lastChange)),
            new XElement(Ns + "IsRegistrationRequired", _options.IsRegistrationRequired ? "true" : "false"),
            new XElement(
                Ns + "AuthInfo",
                new XElement(
                    Ns + "AuthPlugInInfo",
                    new XElement(Ns + "PlugInID", _options.PlugInId),
                    new XElement(Ns + "ServiceUrl", _options.AuthServiceUrl),
                    new XElement(Ns + "Parameter"))),
            new XElement(
                Ns + "Properties",
                _options.Properties.Select(p => new XElement(
                    Ns + "ConfigurationProperty",
                    new XElement(Ns + "Name", p.Key),
                    new XElement(Ns + "Value", p.Value))))));

    /// <summary>Validation order and codes from 3.1.5.4: authCookies, oldCookie, lastChange, protocolVersion.</summary>
    public XElement GetCookie(XElement request, HttpContext context)
    {
        var authCookies = request.Element(Ns + "authCookies")?.Elements(Ns + "AuthorizationCookie").ToList() ?? [];
        if (authCookies.Count != 1)
        {
            throw new WsusFaultException(WsusErrorCode.InvalidAuthorizationCookie, $"authCookies must hold exactly one AuthorizationCookie, not {authCookies.Count}.");
        }

        var plugIn = authCookies[0].Element(Ns + "PlugInId")?.Value;
        if (!string.Equals(plugIn, _options.PlugInId, StringComparison.OrdinalIgnoreCase))
        {
            throw new WsusFaultException(WsusErrorCode.InvalidAuthorizationCookie, $"Unknown authorization plug-in '{plugIn}'.");
        }

        var identity = _cookies.ReadAuthorizationCookie(authCookies[0].Element(Ns + "CookieData")?.Value);

        // The old cookie is typically expired; only its origin and integrity matter.
        if (request.Element(Ns + "oldCookie") is { HasElements: true } oldCookie)
        {
            _cookies.ReadServerCookie(oldCookie, Ns, allowExpired: true);
        }

        if (request.Element(Ns + "lastChange")?.Value is { Length: > 0 } lastChangeText)
        {
            if (!DateTimeOffset.TryParse(lastChangeText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var lastChange))
            {
                throw SoapRead.Invalid("lastChange", "is not a date");
            }

            if (lastChange.ToUnixTimeMilliseconds() != _lastChange.ToUnixTimeMilliseconds())
            {
                throw new WsusFaultException(WsusErrorCode.ConfigChanged, "The server configuration changed since lastChange; call GetConfig again.");
            }
        }

        SoapRead.ProtocolVersion(request, Ns + "protocolVersion");
        return new XElement(Ns + "GetCookieResponse", _cookies.IssueServerCookie(Ns + "GetCookieResult", Ns, identity));
    }

    public XElement RegisterComputer(XElement request, HttpContext context)
    {
        var identity = _cookies.ReadServerCookie(request.Element(Ns + "cookie"), Ns);
        var info = SoapRead.Required(request, Ns + "computerInfo");
        var registration = new ComputerRegistration(
            identity.ClientId,
            SoapRead.RequiredText(info, Ns + "DnsName"),
            SoapRead.OptionalInt(info, Ns + "OSMajorVersion"),
            SoapRead.OptionalInt(info, Ns + "OSMinorVersion"),
            SoapRead.RequiredInt(info, Ns + "OSBuildNumber"),
            info.Element(Ns + "ProcessorArchitecture")?.Value,
            _timeProvider.GetUtcNow());
        _registry.Register(registration);
        LogRegistered(_logger, registration.ClientId, registration.DnsName, registration.OSBuildNumber);
        return new XElement(Ns + "RegisterComputerResponse");
    }

    /// <summary>
    /// One page of the applicable updates the client does not already hold. The client's known set is
    /// InstalledNonLeafUpdateIDs ∪ OtherCachedUpdateIDs (revision ids); WUA adds each page to its cache
    /// and calls again while Truncated. Known ids no longer applicable come back as OutOfScopeRevisionIDs.
    /// </summary>
    public XElement SyncUpdates(XElement request, HttpContext context)
    {
        var identity = _cookies.ReadServerCookie(request.Element(Ns + "cookie"), Ns);
        var computer = _registry.Find(identity.ClientId);
        if (computer is null && _options.IsRegistrationRequired)
        {
            throw new WsusFaultException(WsusErrorCode.RegistrationRequired, $"Client {identity.ClientId} must call RegisterComputer first.");
        }

        var parameters = SoapRead.Required(request, Ns + "parameters");
        var known = SoapRead.IntArray(parameters, Ns + "InstalledNonLeafUpdateIDs", Ns)
            .Concat(SoapRead.IntArray(parameters, Ns + "OtherCachedUpdateIDs", Ns))
            .ToHashSet();
        var skipSoftware = string.Equals(parameters.Element(Ns + "SkipSoftwareSync")?.Value.Trim(), "true", StringComparison.OrdinalIgnoreCase);

        var applicable = _catalog.ApplicableTo(computer?.OSBuildNumber, _options.ExcludeSupersededUpdates);
        var inScope = applicable.Select(u => u.RevisionId).ToHashSet();
        var remaining = skipSoftware ? [] : applicable.Where(u => !known.Contains(u.RevisionId)).ToList();
        var page = remaining.Take(Math.Max(1, _options.SyncPageSize)).ToList();
        var truncated = remaining.Count > page.Count;
        var outOfScope = known.Where(id => !inScope.Contains(id)).Order().ToList();
        LogSyncPage(_logger, identity.ClientId, page.Count, remaining.Count - page.Count, truncated);

        return new XElement(
            Ns + "SyncUpdatesResponse",
            new XElement(
                Ns + "SyncUpdatesResult",
                new XElement(Ns + "NewUpdates", page.Select(UpdateInfo)),
                new XElement(Ns + "OutOfScopeRevisionIDs", outOfScope.Select(id => new XElement(Ns + "int", id))),
                new XElement(Ns + "Truncated", truncated ? "true" : "false"),
                _cookies.IssueServerCookie(Ns + "NewCookie", Ns, identity),
                new XElement(Ns + "DriverSyncNotNeeded", "true")));
    }

    /// <summary>Per requested revision, one Update per requested fragment type; files of known revisions as FileLocations.</summary>
    public XElement GetExtendedUpdateInfo(XElement request, HttpContext context)
    {
        _cookies.ReadServerCookie(request.Element(Ns + "cookie"), Ns);
        var revisionIds = SoapRead.IntArray(request, Ns + "revisionIDs", Ns);
        if (revisionIds.Count == 0 || revisionIds.Count > _maxExtendedUpdates)
        {
            throw SoapRead.Invalid("revisionIDs", $"must hold 1 to {_maxExtendedUpdates} ids, not {revisionIds.Count}");
        }

        var infoTypes = request.Element(Ns + "infoTypes")?.Elements(Ns + "XmlUpdateFragmentType").Select(e => e.Value.Trim()).ToList() ?? [];
        if (infoTypes.Count == 0)
        {
            throw SoapRead.Invalid("infoTypes", "is empty");
        }

        var language = request.Element(Ns + "locales")?.Elements(Ns + "string").FirstOrDefault()?.Value.Trim() is { Length: > 0 } locale ? locale : "en";
        var found = revisionIds.Distinct().Select(id => (Id: id, Update: _catalog.Find(id))).ToList();
        var updates = found.Where(f => f.Update is not null).Select(f => f.Update!).ToList();
        var contentBase = $"{context.Request.Scheme}://{context.Request.Host}{context.Request.PathBase}/Content";

        return new XElement(
            Ns + "GetExtendedUpdateInfoResponse",
            new XElement(
                Ns + "GetExtendedUpdateInfoResult",
                new XElement(
                    Ns + "Updates",
                    updates.SelectMany(u => infoTypes.Select(type => Fragment(u, type, language)).Where(xml => xml is not null).Select(xml => new XElement(
                        Ns + "Update",
                        new XElement(Ns + "ID", u.RevisionId),
                        new XElement(Ns + "Xml", xml))))),
                new XElement(
                    Ns + "FileLocations",
                    updates.Select(u => new XElement(
                        Ns + "FileLocation",
                        new XElement(Ns + "FileDigest", Convert.ToBase64String(u.FileDigest)),
                        new XElement(Ns + "Url", ContentUrl(contentBase, u))))),
                new XElement(Ns + "OutOfScopeRevisionIDs", found.Where(f => f.Update is null).Select(f => new XElement(Ns + "int", f.Id)))));
    }

    /// <summary>client-protocols §6: /Content/&lt;last two hex digits&gt;/&lt;SHA-1 hex&gt;.&lt;ext&gt;, upper case.</summary>
    internal static string ContentUrl(string contentBase, UpdateRevision update)
    {
        var hex = Convert.ToHexString(update.FileDigest);
        return $"{contentBase}/{hex[^2..]}/{hex}.cab";
    }

    private static string? Fragment(UpdateRevision update, string infoType, string language) => infoType switch
    {
        "Core" => UpdateXml.Core(update),
        "Extended" => UpdateXml.Extended(update),
        "LocalizedProperties" => UpdateXml.Localized(update, language),
        _ => null, // Eula, VerificationRule…: nothing to say in a simulator, so nothing is sent.
    };

    private static XElement UpdateInfo(UpdateRevision update) => new(
        Ns + "UpdateInfo",
        new XElement(Ns + "ID", update.RevisionId),
        new XElement(
            Ns + "Deployment",
            new XElement(Ns + "ID", 100000 + update.RevisionId),
            new XElement(Ns + "Action", "Install"),
            new XElement(Ns + "IsAssigned", "true"),
            new XElement(Ns + "LastChangeTime", update.Released.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)),
            new XElement(Ns + "AutoSelect", "0"),
            new XElement(Ns + "AutoDownload", "0"),
            new XElement(Ns + "SupersedenceBehavior", "0"),
            new XElement(Ns + "FlagBitmask", "0")),
        new XElement(Ns + "IsLeaf", "true"),
        new XElement(Ns + "Xml", UpdateXml.Core(update)));

    private static string Format(DateTimeOffset value) => value.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "RegisterComputer: client {ClientId} is {DnsName}, OS build {OsBuild}.")]
    private static partial void LogRegistered(ILogger logger, string clientId, string dnsName, int osBuild);

    [LoggerMessage(EventId = 11, Level = LogLevel.Debug, Message = "SyncUpdates for {ClientId}: {Count} update(s) sent, {Left} left, truncated {Truncated}.")]
    private static partial void LogSyncPage(ILogger logger, string clientId, int count, int left, bool truncated);
}
