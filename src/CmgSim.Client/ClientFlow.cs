using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using CmgSim.Core.Errors;
using CmgSim.Messaging;
using CmgSim.Messaging.Registration;

namespace CmgSim.Client;

/// <summary>
/// The first minutes of a PKI client's life against its (internet) MP and SUP: MPLIST →
/// SITESIGNCERT → CCM_POST SiteInformationRequest → SUP GetConfig. Every step runs even when an
/// earlier one failed, and each failure is captured in its <see cref="ClientStepResult"/>; only the
/// caller's own cancellation propagates.
/// </summary>
public sealed class ClientFlow
{
    public const string MpListStep = "MPLIST";
    public const string SiteSignCertStep = "SITESIGNCERT";
    public const string CcmPostStep = "CCM_POST";
    public const string GetConfigStep = "GetConfig";
    public const string RegisterStep = "Register";

    /// <summary>How the real CcmExec client shows up in IIS logs (client-protocols §2.1).</summary>
    private const string CcmUserAgent = "ccmhttp";

    private static readonly HttpMethod CcmPost = new("CCM_POST");

    private readonly HttpClient _http;
    private readonly string _managementPointBase;
    private readonly string _softwareUpdatePointBase;
    private readonly TimeProvider _timeProvider;
    private readonly ClientFlowOptions _options;

    /// <param name="managementPointBaseUrl">The MP as the client sees it, e.g. <c>https://svc:8443/CCM_Proxy_MutualAuth/72057594037927939</c>.</param>
    /// <param name="softwareUpdatePointBaseUrl">The SUP likewise, e.g. <c>https://svc:8443/CCM_Proxy_MutualAuth/72057594037927940</c>.</param>
    public ClientFlow(HttpClient http, Uri managementPointBaseUrl, Uri softwareUpdatePointBaseUrl, TimeProvider timeProvider, ClientFlowOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(managementPointBaseUrl);
        ArgumentNullException.ThrowIfNull(softwareUpdatePointBaseUrl);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _http = http;
        _managementPointBase = managementPointBaseUrl.AbsoluteUri.TrimEnd('/');
        _softwareUpdatePointBase = softwareUpdatePointBaseUrl.AbsoluteUri.TrimEnd('/');
        _timeProvider = timeProvider;
        _options = options ?? new ClientFlowOptions();
    }

    public async Task<IReadOnlyList<ClientStepResult>> RunAsync(CancellationToken cancellationToken = default)
    {
        var results = new List<ClientStepResult>(4);
        results.Add(await RunStepAsync(MpListStep, _managementPointBase + "/SMS_MP/.sms_aut?MPLIST", HttpMethod.Get, null, CheckMpList, cancellationToken));
        results.Add(await RunStepAsync(SiteSignCertStep, _managementPointBase + "/SMS_MP/.sms_aut?SITESIGNCERT", HttpMethod.Get, null, CheckSiteSignCert, cancellationToken));
        results.Add(await RunStepAsync(CcmPostStep, _managementPointBase + _options.CcmRequestPath, CcmPost, BuildSiteInformationRequest, CheckSiteInformationReply, cancellationToken));
        results.Add(await RunStepAsync(GetConfigStep, _softwareUpdatePointBase + "/ClientWebService/client.asmx", HttpMethod.Post, BuildGetConfig, CheckGetConfig, cancellationToken));
        return results;
    }

    /// <summary>
    /// <c>MP_ClientRegistration</c> over <paramref name="path"/> (default the anonymous
    /// <c>/ccm_system/request</c>): sends a signed <c>ClientRegistrationRequest</c> proposing
    /// <see cref="ClientIdentity.SmsId"/> (or none) and stores the SMSID the MP returns in
    /// <paramref name="identity"/>. Separate from <see cref="RunAsync"/> so existing flows keep their four steps.
    /// </summary>
    public Task<ClientStepResult> RegisterAsync(ClientIdentity identity, string path = ClientSession.CcmSystemPath, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(identity);
        return RunStepAsync(
            RegisterStep,
            _managementPointBase + path,
            CcmPost,
            request => BuildRegistration(request, identity),
            (response, body) => CheckRegistration(response, body, identity),
            cancellationToken);
    }

    private async Task<ClientStepResult> RunStepAsync(
        string step,
        string url,
        HttpMethod method,
        Func<HttpRequestMessage, HttpContent>? content,
        Func<HttpResponseMessage, byte[], string> check,
        CancellationToken cancellationToken)
    {
        var started = _timeProvider.GetTimestamp();
        int? status = null;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_options.RequestTimeout);
            using var request = new HttpRequestMessage(method, url);
            request.Headers.UserAgent.ParseAdd(CcmUserAgent);
            if (content is not null)
            {
                request.Content = content(request);
            }

            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token);
            status = (int)response.StatusCode;
            var body = await response.Content.ReadAsByteArrayAsync(timeout.Token);
            if (!response.IsSuccessStatusCode)
            {
                return Result(false, $"HTTP {status} {ErrorCode(response)}".TrimEnd());
            }

            return Result(true, check(response, body));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException)
        {
            return Result(false, $"Timed out after {_options.RequestTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s.");
        }
        catch (StepFailedException ex)
        {
            return Result(false, ex.Message);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or XmlException or CryptographicException or CcmMessageFormatException or FormatException)
        {
            return Result(false, Describe(ex));
        }

        ClientStepResult Result(bool succeeded, string? detail) =>
            new(step, url, status, _timeProvider.GetElapsedTime(started), succeeded, detail);
    }

    private static string ErrorCode(HttpResponseMessage response) =>
        response.Headers.TryGetValues(CmgErrorInfo.ErrorCodeHeader, out var values) && values.FirstOrDefault() is { Length: > 0 } code
            ? code
            : response.ReasonPhrase ?? string.Empty;

    /// <summary>The innermost message is the useful one (e.g. "Connection refused" under "An error occurred while sending").</summary>
    private static string Describe(Exception ex)
    {
        var text = new StringBuilder($"{ex.GetType().Name}: {ex.Message}");
        for (var inner = ex.InnerException; inner is not null; inner = inner.InnerException)
        {
            text.Append(" ---> ").Append(inner.GetType().Name).Append(": ").Append(inner.Message);
        }

        return text.ToString();
    }

    private static string CheckMpList(HttpResponseMessage response, byte[] body)
    {
        var root = ParseXml(body, "MPList");
        var mps = root.Elements("MP").Select(mp => (string?)mp.Attribute("FQDN")).ToList();
        if (mps.Count == 0)
        {
            throw new StepFailedException("MPList lists no management point.");
        }

        return $"{mps.Count} MP(s): {string.Join(", ", mps)}";
    }

    private static string CheckSiteSignCert(HttpResponseMessage response, byte[] body)
    {
        var root = ParseXml(body, "X509Data");
        var hex = root.Element("X509Certificate")?.Value.Trim()
            ?? throw new StepFailedException("X509Data has no X509Certificate.");
        using var certificate = X509CertificateLoader.LoadCertificate(Convert.FromHexString(hex));
        return $"{certificate.Subject} ({certificate.Thumbprint})";
    }

    private HttpContent BuildSiteInformationRequest(HttpRequestMessage request)
    {
        var host = request.RequestUri?.Host;
        var header = new MsgHeader
        {
            ReplyCompression = CcmCompression.Zlib,
            Id = "{" + Guid.NewGuid().ToString().ToUpperInvariant() + "}",
            SourceHost = _options.ClientHostName,
            TargetAddress = "mp:[http]MP_LocationManager",
            ReplyTo = $"direct:{_options.ClientHostName}:LS_ReplyLocations",
            Priority = 3,
            Timeout = 600,
            TargetHost = host,
            TargetEndpoint = "MP_LocationManager",
            ReplyMode = "Sync",
            Protocol = "http",
            SentTime = _timeProvider.GetUtcNow(),
        };
        var body = new XElement(
            "SiteInformationRequest",
            new XAttribute("SchemaVersion", "1.00"),
            new XElement("SiteCode", new XAttribute("Name", _options.SiteCode)))
            .ToString(SaveOptions.DisableFormatting);
        var content = new ByteArrayContent(CcmMessageWriter.Write(CcmMessage.Create(header, body)));
        content.Headers.TryAddWithoutValidation("Content-Type", CcmMessageWriter.GetContentType());
        return content;
    }

    private ByteArrayContent BuildRegistration(HttpRequestMessage request, ClientIdentity identity)
    {
        var header = new MsgHeader
        {
            ReplyCompression = CcmCompression.Zlib,
            Id = "{" + Guid.NewGuid().ToString().ToUpperInvariant() + "}",
            SourceHost = identity.HostName,
            TargetAddress = "mp:[http]" + ClientRegistrationBody.EndpointName,
            ReplyTo = $"direct:{identity.HostName}:ClientRegistration",
            Priority = 3,
            Timeout = 600,
            TargetHost = request.RequestUri?.Host,
            TargetEndpoint = ClientRegistrationBody.EndpointName,
            ReplyMode = "Sync",
            Protocol = "http",
            SentTime = _timeProvider.GetUtcNow(),
        };
        var body = ClientRegistrationBody.Create(identity.SmsId, identity.Certificate, identity.Key, identity.HostName, identity.HostName.ToLowerInvariant(), _timeProvider.GetUtcNow());
        var content = new ByteArrayContent(CcmMessageWriter.Write(CcmMessage.Create(header, body)));
        content.Headers.TryAddWithoutValidation("Content-Type", CcmMessageWriter.GetContentType());
        return content;
    }

    private static string CheckRegistration(HttpResponseMessage response, byte[] body, ClientIdentity identity)
    {
        if (body.Length == 0)
        {
            throw new StepFailedException("Empty reply (HTTP 200, Content-Length 0): the MP refused the registration (signature or request).");
        }

        var envelope = CcmMessageReader.Read(body, response.Content.Headers.ContentType?.ToString());
        var smsId = ClientRegistrationBody.ReadSmsId(envelope.Message.Body);
        if (string.IsNullOrEmpty(smsId))
        {
            throw new StepFailedException("The registration reply carries no SMSID.");
        }

        identity.SmsId = smsId;
        var reply = XElement.Parse(envelope.Message.Body);
        var approval = (string?)reply.Attribute("ApprovalStatus");
        if (reply.Element("ClientToken") is { } clientToken)
        {
            identity.SiteClientToken = clientToken.Value;
            return $"Registered as {smsId}, approval status {approval}; site client token valid to {(string?)clientToken.Attribute("ValidTo")}";
        }

        return $"Registered as {smsId}, approval status {approval}";
    }

    private static string CheckSiteInformationReply(HttpResponseMessage response, byte[] body)
    {
        if (body.Length == 0)
        {
            throw new StepFailedException("Empty reply (HTTP 200, Content-Length 0): the MP refused or could not answer the message.");
        }

        var envelope = CcmMessageReader.Read(body, response.Content.Headers.ContentType?.ToString());
        var reply = XElement.Parse(envelope.Message.Body);
        var siteCode = reply.Descendants("SiteCode").FirstOrDefault()?.Value;
        if (reply.Name.LocalName is not ("SiteInfoReply" or "SiteInformationReply") || string.IsNullOrEmpty(siteCode))
        {
            throw new StepFailedException($"Unexpected reply <{reply.Name.LocalName}> without a site code.");
        }

        var version = reply.Descendants("Version").FirstOrDefault()?.Value;
        return $"Site {siteCode}, version {version} ({envelope.Message.Compression} reply)";
    }

    private static HttpContent BuildGetConfig(HttpRequestMessage request)
    {
        XNamespace soap = "http://schemas.xmlsoap.org/soap/envelope/";
        XNamespace ns = "http://www.microsoft.com/SoftwareDistribution/Server/ClientWebService";
        var envelope = new XElement(
            soap + "Envelope",
            new XAttribute(XNamespace.Xmlns + "soap", soap.NamespaceName),
            new XElement(soap + "Body", new XElement(ns + "GetConfig", new XElement(ns + "protocolVersion", "1.20"))));
        var content = new StringContent(envelope.ToString(SaveOptions.DisableFormatting), new UTF8Encoding(false), "text/xml");
        content.Headers.ContentType = MediaTypeHeaderValue.Parse("text/xml; charset=utf-8");
        request.Headers.TryAddWithoutValidation("SOAPAction", "\"http://www.microsoft.com/SoftwareDistribution/Server/ClientWebService/GetConfig\"");
        return content;
    }

    private static string CheckGetConfig(HttpResponseMessage response, byte[] body)
    {
        XNamespace ns = "http://www.microsoft.com/SoftwareDistribution/Server/ClientWebService";
        var document = XDocument.Parse(Encoding.UTF8.GetString(body).TrimStart('\uFEFF'));
        var result = document.Descendants(ns + "GetConfigResult").FirstOrDefault()
            ?? throw new StepFailedException("The SOAP reply has no GetConfigResult.");
        var plugIn = result.Descendants(ns + "PlugInID").FirstOrDefault()?.Value;
        return $"LastChange {result.Element(ns + "LastChange")?.Value}, auth plug-in {plugIn}";
    }

    private static XElement ParseXml(byte[] body, string expectedRoot)
    {
        var root = XElement.Parse(Encoding.UTF8.GetString(body).TrimStart('\uFEFF'));
        return root.Name.LocalName == expectedRoot
            ? root
            : throw new StepFailedException($"Expected <{expectedRoot}>, got <{root.Name.LocalName}>.");
    }

    private sealed class StepFailedException(string message) : Exception(message);
}
