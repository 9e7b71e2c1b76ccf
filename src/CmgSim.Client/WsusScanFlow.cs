using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace CmgSim.Client;

/// <summary>What a scan found, with one <see cref="ClientStepResult"/> per SOAP call.</summary>
/// <param name="UpdateRevisionIds">Revision ids collected over all SyncUpdates pages, in arrival order.</param>
/// <param name="SyncPages">How many SyncUpdates calls it took.</param>
/// <param name="EventsReported">Events sent (and accepted) in ReportEventBatch.</param>
public sealed record WsusScanResult(IReadOnlyList<ClientStepResult> Steps, IReadOnlyList<int> UpdateRevisionIds, int SyncPages, int EventsReported)
{
    public bool Succeeded => Steps.Count > 0 && Steps.All(s => s.Succeeded);
}

/// <summary>
/// A Windows Update Agent scan against a SUP ([MS-WUSP] 3.1.5, client-protocols §6): GetConfig →
/// GetAuthorizationCookie → GetCookie → RegisterComputer (when required) → SyncUpdates until not
/// Truncated → GetExtendedUpdateInfo → ReportEventBatch. Each call depends on the cookie of the one
/// before, so the chain stops at the first failure; that step's result says why (SOAP fault
/// ErrorCode, HTTP status or exception). Only the caller's own cancellation propagates.
/// </summary>
public sealed class WsusScanFlow
{
    public const string GetConfigStep = "GetConfig";
    public const string GetAuthorizationCookieStep = "GetAuthorizationCookie";
    public const string GetCookieStep = "GetCookie";
    public const string RegisterComputerStep = "RegisterComputer";
    public const string SyncUpdatesStep = "SyncUpdates";
    public const string GetExtendedUpdateInfoStep = "GetExtendedUpdateInfo";
    public const string ReportEventBatchStep = "ReportEventBatch";

    /// <summary>WUA reporting event ids: 147 "detection succeeded", 156 "update status" per needed update. [U] values from WSUS reporting lore.</summary>
    public const int ScanSucceededEventId = 147;
    public const int UpdateStatusEventId = 156;

    private const string ClientWebServicePath = "/ClientWebService/client.asmx";
    private const string ReportingPath = "/ReportingWebService/ReportingWebService.asmx";
    private const string WuaUserAgent = "Windows-Update-Agent/10.0.10011.16384 Client-Protocol/2.50";

    private static readonly XNamespace Soap = "http://schemas.xmlsoap.org/soap/envelope/";
    private static readonly XNamespace Cws = "http://www.microsoft.com/SoftwareDistribution/Server/ClientWebService";
    private static readonly XNamespace Sas = "http://www.microsoft.com/SoftwareDistribution/Server/SimpleAuthWebService";
    private static readonly XNamespace Rws = "http://www.microsoft.com/SoftwareDistribution";

    private readonly HttpClient _http;
    private readonly string _base;
    private readonly TimeProvider _timeProvider;
    private readonly WsusScanFlowOptions _options;

    /// <param name="softwareUpdatePointBaseUrl">The SUP as the client sees it, e.g. <c>https://svc:8443/CCM_Proxy_MutualAuth/72057594037927940</c>.</param>
    public WsusScanFlow(HttpClient http, Uri softwareUpdatePointBaseUrl, TimeProvider timeProvider, WsusScanFlowOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(softwareUpdatePointBaseUrl);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _http = http;
        _base = softwareUpdatePointBaseUrl.AbsoluteUri.TrimEnd('/');
        _timeProvider = timeProvider;
        _options = options ?? new WsusScanFlowOptions();
    }

    public async Task<WsusScanResult> RunAsync(CancellationToken cancellationToken = default)
    {
        var steps = new List<ClientStepResult>();
        var revisions = new List<int>();
        var pages = 0;

        // GetConfig: LastChange goes back in GetCookie; the auth plug-in says where to get the authorization cookie.
        var (step, config) = await CallAsync(GetConfigStep, _base + ClientWebServicePath, Cws, "GetConfig", [new XElement(Cws + "protocolVersion", _options.ProtocolVersion)], DescribeConfig, cancellationToken);
        steps.Add(step);
        if (config is null)
        {
            return Done();
        }

        var result = config.Element(Cws + "GetConfigResult")!;
        var lastChange = result.Element(Cws + "LastChange")?.Value;
        var registrationRequired = !string.Equals(result.Element(Cws + "IsRegistrationRequired")?.Value, "false", StringComparison.OrdinalIgnoreCase);
        var plugIn = result.Descendants(Cws + "AuthPlugInInfo").First(p => p.Element(Cws + "ServiceUrl") is not null);
        var authUrl = _base + "/" + plugIn.Element(Cws + "ServiceUrl")!.Value.TrimStart('/');
        var maxExtended = result.Descendants(Cws + "ConfigurationProperty")
            .Where(p => p.Element(Cws + "Name")?.Value == "MaxExtendedUpdatesPerRequest")
            .Select(p => int.TryParse(p.Element(Cws + "Value")?.Value, CultureInfo.InvariantCulture, out var v) && v > 0 ? v : 50)
            .DefaultIfEmpty(50).First();

        (step, var auth) = await CallAsync(
            GetAuthorizationCookieStep,
            authUrl,
            Sas,
            "GetAuthorizationCookie",
            [new XElement(Sas + "clientId", _options.ClientId), new XElement(Sas + "targetGroupName", _options.TargetGroupName), new XElement(Sas + "dnsName", _options.DnsName)],
            body => body.Descendants(Sas + "PlugInId").FirstOrDefault() is { } id && body.Descendants(Sas + "CookieData").FirstOrDefault() is { } data
                ? $"plug-in {id.Value}, {data.Value.Length} base64 chars"
                : throw new StepFailedException("GetAuthorizationCookieResult lacks PlugInId or CookieData."),
            cancellationToken);
        steps.Add(step);
        if (auth is null)
        {
            return Done();
        }

        (step, var cookieResponse) = await CallAsync(
            GetCookieStep,
            _base + ClientWebServicePath,
            Cws,
            "GetCookie",
            [
                new XElement(Cws + "authCookies", new XElement(
                    Cws + "AuthorizationCookie",
                    new XElement(Cws + "PlugInId", auth.Descendants(Sas + "PlugInId").First().Value),
                    new XElement(Cws + "CookieData", auth.Descendants(Sas + "CookieData").First().Value))),
                new XElement(Cws + "oldCookie", new XAttribute(XNamespace.Get("http://www.w3.org/2001/XMLSchema-instance") + "nil", "true")),
                new XElement(Cws + "lastChange", lastChange),
                new XElement(Cws + "currentTime", FormatTime(_timeProvider.GetUtcNow())),
                new XElement(Cws + "protocolVersion", _options.ProtocolVersion),
            ],
            body => body.Element(Cws + "GetCookieResult")?.Element(Cws + "EncryptedData") is not null
                ? $"cookie expires {body.Descendants(Cws + "Expiration").FirstOrDefault()?.Value}"
                : throw new StepFailedException("GetCookieResult has no EncryptedData."),
            cancellationToken);
        steps.Add(step);
        if (cookieResponse is null)
        {
            return Done();
        }

        var cookie = cookieResponse.Element(Cws + "GetCookieResult")!;

        if (registrationRequired)
        {
            (step, var registered) = await CallAsync(
                RegisterComputerStep,
                _base + ClientWebServicePath,
                Cws,
                "RegisterComputer",
                [
                    CookieElement(Cws, cookie),
                    new XElement(
                        Cws + "computerInfo",
                        new XElement(Cws + "DnsName", _options.DnsName),
                        new XElement(Cws + "OSMajorVersion", _options.OSMajorVersion),
                        new XElement(Cws + "OSMinorVersion", _options.OSMinorVersion),
                        new XElement(Cws + "OSBuildNumber", _options.OSBuildNumber),
                        new XElement(Cws + "OSServicePackMajorNumber", 0),
                        new XElement(Cws + "OSServicePackMinorNumber", 0),
                        new XElement(Cws + "OSLocale", "en-US"),
                        new XElement(Cws + "ComputerManufacturer", "CmgSim"),
                        new XElement(Cws + "ComputerModel", "Virtual"),
                        new XElement(Cws + "ProcessorArchitecture", "X64Based"),
                        new XElement(Cws + "OSDescription", "Windows 11 Enterprise"),
                        new XElement(Cws + "ClientVersion", "10.0.22621.1")),
                ],
                _ => $"{_options.DnsName}, OS build {_options.OSBuildNumber}",
                cancellationToken);
            steps.Add(step);
            if (registered is null)
            {
                return Done();
            }
        }

        // SyncUpdates: each page's revisions join OtherCachedUpdateIDs, so the server sends only what is new.
        var truncated = true;
        while (truncated && pages < _options.MaxSyncPages)
        {
            pages++;
            var page = pages;
            (step, var sync) = await CallAsync(
                SyncUpdatesStep,
                _base + ClientWebServicePath,
                Cws,
                "SyncUpdates",
                [
                    CookieElement(Cws, cookie),
                    new XElement(
                        Cws + "parameters",
                        new XElement(Cws + "ExpressQuery", "false"),
                        new XElement(Cws + "InstalledNonLeafUpdateIDs", _options.InstalledNonLeafUpdateIds.Select(id => new XElement(Cws + "int", id))),
                        new XElement(Cws + "OtherCachedUpdateIDs", revisions.Select(id => new XElement(Cws + "int", id))),
                        new XElement(Cws + "SkipSoftwareSync", "false"),
                        new XElement(Cws + "NeedTwoGroupOutOfScopeUpdates", "true"),
                        new XElement(Cws + "AlsoPerformAUAction", "false")),
                ],
                body => DescribeSync(body, page),
                cancellationToken);
            steps.Add(step);
            if (sync is null)
            {
                return Done();
            }

            var syncResult = sync.Element(Cws + "SyncUpdatesResult")!;
            var newIds = syncResult.Element(Cws + "NewUpdates")?.Elements(Cws + "UpdateInfo")
                .Select(u => int.Parse(u.Element(Cws + "ID")!.Value, CultureInfo.InvariantCulture)).ToList() ?? [];
            revisions.AddRange(newIds.Where(id => !revisions.Contains(id)));
            cookie = syncResult.Element(Cws + "NewCookie") ?? cookie;
            truncated = string.Equals(syncResult.Element(Cws + "Truncated")?.Value, "true", StringComparison.OrdinalIgnoreCase) && newIds.Count > 0;
        }

        for (var offset = 0; offset < revisions.Count; offset += maxExtended)
        {
            var batch = revisions.Skip(offset).Take(maxExtended).ToList();
            (step, var extended) = await CallAsync(
                GetExtendedUpdateInfoStep,
                _base + ClientWebServicePath,
                Cws,
                "GetExtendedUpdateInfo",
                [
                    CookieElement(Cws, cookie),
                    new XElement(Cws + "revisionIDs", batch.Select(id => new XElement(Cws + "int", id))),
                    new XElement(Cws + "infoTypes", new XElement(Cws + "XmlUpdateFragmentType", "Extended"), new XElement(Cws + "XmlUpdateFragmentType", "LocalizedProperties")),
                    new XElement(Cws + "locales", new XElement(Cws + "string", "en")),
                ],
                body => $"{body.Descendants(Cws + "Update").Count()} fragment(s), {body.Descendants(Cws + "FileLocation").Count()} file location(s) for {batch.Count} revision(s)",
                cancellationToken);
            steps.Add(step);
            if (extended is null)
            {
                return Done();
            }
        }

        var events = BuildEvents(revisions.Count);
        (step, var reported) = await CallAsync(
            ReportEventBatchStep,
            _base + ReportingPath,
            Rws,
            "ReportEventBatch",
            [
                CookieElement(Rws, cookie),
                new XElement(Rws + "clientTime", FormatTime(_timeProvider.GetUtcNow())),
                new XElement(Rws + "eventBatch", events),
            ],
            body => body.Element(Rws + "ReportEventBatchResult")?.Value == "true"
                ? $"{events.Count} event(s) accepted"
                : throw new StepFailedException("ReportEventBatchResult is not true."),
            cancellationToken);
        steps.Add(step);
        return Done(reported is null ? 0 : events.Count);

        WsusScanResult Done(int eventsReported = 0) => new(steps, revisions, pages, eventsReported);
    }

    /// <summary>A summary "scan succeeded" event, then one status event per update the scan found needed.</summary>
    private List<XElement> BuildEvents(int neededUpdates)
    {
        var now = FormatTime(_timeProvider.GetUtcNow());
        var events = new List<XElement>(neededUpdates + 1) { ReportingEvent(1, ScanSucceededEventId, now) };
        for (var i = 0; i < neededUpdates; i++)
        {
            events.Add(ReportingEvent(i + 2, UpdateStatusEventId, now));
        }

        return events;
    }

    private XElement ReportingEvent(int sequence, int eventId, string time) => new(
        Rws + "ReportingEvent",
        new XElement(
            Rws + "BasicData",
            new XElement(Rws + "TargetID", new XElement(Rws + "Sid", _options.ClientId)),
            new XElement(Rws + "SequenceNumber", sequence),
            new XElement(Rws + "TimeAtTarget", time),
            new XElement(Rws + "EventInstanceID", Guid.NewGuid()),
            new XElement(Rws + "NamespaceID", 1),
            new XElement(Rws + "EventID", eventId),
            new XElement(Rws + "SourceID", 1),
            new XElement(Rws + "UpdateID", new XElement(Rws + "UpdateID", Guid.Empty), new XElement(Rws + "RevisionNumber", 0)),
            new XElement(Rws + "Win32HResult", 0),
            new XElement(Rws + "AppName", "CmgSim WUA")),
        new XElement(Rws + "ExtendedData", new XElement(Rws + "ReplacementStrings")));

    /// <summary>The cookie goes back as received, renamed and (for reporting) moved to that service's namespace.</summary>
    private static XElement CookieElement(XNamespace ns, XElement cookie) => new(
        ns + "cookie",
        new XElement(ns + "Expiration", cookie.Elements().FirstOrDefault(e => e.Name.LocalName == "Expiration")?.Value),
        new XElement(ns + "EncryptedData", cookie.Elements().FirstOrDefault(e => e.Name.LocalName == "EncryptedData")?.Value));

    private async Task<(ClientStepResult Result, XElement? Response)> CallAsync(
        string step,
        string url,
        XNamespace ns,
        string operation,
        IEnumerable<XElement> parameters,
        Func<XElement, string> describe,
        CancellationToken cancellationToken)
    {
        var started = _timeProvider.GetTimestamp();
        int? status = null;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_options.RequestTimeout);
            var envelope = new XElement(
                Soap + "Envelope",
                new XAttribute(XNamespace.Xmlns + "soap", Soap.NamespaceName),
                new XElement(Soap + "Body", new XElement(ns + operation, parameters)));
            using var request = new HttpRequestMessage(HttpMethod.Post, url)
            {
                Content = new StringContent(envelope.ToString(SaveOptions.DisableFormatting), new UTF8Encoding(false), "text/xml"),
            };
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse("text/xml; charset=utf-8");
            request.Headers.TryAddWithoutValidation("SOAPAction", $"\"{Action(ns, operation)}\"");
            request.Headers.UserAgent.ParseAdd(WuaUserAgent);

            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token);
            status = (int)response.StatusCode;
            var text = await response.Content.ReadAsStringAsync(timeout.Token);
            if (!response.IsSuccessStatusCode)
            {
                return (Result(false, $"HTTP {status} {DescribeFault(text, response.ReasonPhrase)}".TrimEnd()), null);
            }

            var body = XDocument.Parse(text.TrimStart('\uFEFF')).Root?.Element(Soap + "Body")?.Elements().FirstOrDefault();
            if (body is null || body.Name != ns + (operation + "Response"))
            {
                throw new StepFailedException($"Expected {operation}Response, got <{body?.Name.LocalName}>.");
            }

            return (Result(true, describe(body)), body);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException)
        {
            return (Result(false, $"Timed out after {_options.RequestTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s."), null);
        }
        catch (Exception ex) when (ex is StepFailedException or HttpRequestException or IOException or XmlException or FormatException)
        {
            return (Result(false, $"{ex.GetType().Name}: {ex.Message}"), null);
        }

        ClientStepResult Result(bool succeeded, string? detail) =>
            new(step, url, status, _timeProvider.GetElapsedTime(started), succeeded, detail);
    }

    private static string Action(XNamespace ns, string operation) =>
        ns == Rws ? $"{Rws.NamespaceName}/{operation}" : $"{ns.NamespaceName}/{operation}";

    /// <summary>"SOAP fault InvalidCookie: message" from an [MS-WUSP] fault, else the faultstring or reason phrase.</summary>
    internal static string DescribeFault(string body, string? reasonPhrase)
    {
        try
        {
            var fault = XDocument.Parse(body.TrimStart('\uFEFF')).Descendants(Soap + "Fault").FirstOrDefault();
            if (fault is not null)
            {
                var detail = fault.Element("detail");
                var code = detail?.Element("ErrorCode")?.Value;
                return code is not null
                    ? $"SOAP fault {code}: {detail!.Element("Message")?.Value}"
                    : $"SOAP fault: {fault.Element("faultstring")?.Value}";
            }
        }
        catch (XmlException)
        {
            // Not SOAP (e.g. a CMG error page): the reason phrase is all there is.
        }

        return reasonPhrase ?? string.Empty;
    }

    private static string DescribeConfig(XElement body)
    {
        var result = body.Element(Cws + "GetConfigResult") ?? throw new StepFailedException("No GetConfigResult.");
        var plugIn = result.Descendants(Cws + "AuthPlugInInfo").FirstOrDefault(p => p.Element(Cws + "ServiceUrl") is not null)
            ?? throw new StepFailedException("GetConfigResult has no AuthPlugInInfo with a ServiceUrl.");
        return $"LastChange {result.Element(Cws + "LastChange")?.Value}, auth plug-in {plugIn.Element(Cws + "PlugInID")?.Value}";
    }

    private static string DescribeSync(XElement body, int page)
    {
        var result = body.Element(Cws + "SyncUpdatesResult") ?? throw new StepFailedException("No SyncUpdatesResult.");
        if (result.Element(Cws + "NewCookie") is null)
        {
            throw new StepFailedException("SyncUpdatesResult has no NewCookie.");
        }

        var ids = result.Element(Cws + "NewUpdates")?.Elements(Cws + "UpdateInfo").Select(u => u.Element(Cws + "ID")?.Value).ToList() ?? [];
        if (ids.Any(id => !int.TryParse(id, CultureInfo.InvariantCulture, out _)))
        {
            throw new StepFailedException("An UpdateInfo has no integer ID.");
        }

        var count = ids.Count;
        return $"page {page}: {count} update(s), truncated {result.Element(Cws + "Truncated")?.Value}";
    }

    private static string FormatTime(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);

    private sealed class StepFailedException(string message) : Exception(message);
}
