using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using CmgSim.ManagementPoint.LocationManager;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CmgSim.ManagementPoint.Authority;

/// <summary>
/// <c>GET /SMS_MP/.sms_aut?&lt;KEYWORD&gt;[&amp;&lt;arg&gt;]</c> — the <c>getauth.dll</c> replies of client-protocols §1.
/// The query is a bare keyword, parsed by hand like the ISAPI does. Choices where the product's
/// behaviour is not captured publicly:
/// <list type="bullet">
/// <item>an unknown keyword (or none) answers 404;</item>
/// <item><c>MPLIST1</c>/<c>MPLIST2</c> for another site (or without a site) answer 200 with an empty
/// <c>&lt;MPList/&gt;</c>: "this MP knows no MPs of that site", which clients treat as no candidates
/// rather than an error;</item>
/// <item><c>MPLIST2</c> is answered like <c>MPLIST1</c> [U] because clients ask it through the CMG (cmg-facts §2.6).</item>
/// <item><c>MPKEYINFORMATIONMEDIA</c> reuses the <c>MPKEYINFORMATION</c> root [I]: parsers only read its
/// <c>UnknownMachines</c> and <c>SITECODE</c> children;</item>
/// <item><c>GETCLIENTAFFINITY</c> without an SMSID is malformed (404, like an unknown keyword); an SMSID
/// with no primary user — unknown device or no affinity, the MP's lookup cannot tell them apart —
/// answers 200 with a <c>&lt;ClientAffinity&gt;</c> that has no <c>&lt;User&gt;</c>; the root name is [U];</item>
/// <item>with <see cref="LocationOptions.RequireClientCertificate"/> every keyword without a TLS client
/// certificate answers <c>403 Client certificate required</c>: IIS refuses before getauth.dll runs.</item>
/// </list>
/// </summary>
internal sealed partial class SmsAutEndpoint
{
    private const string XmlContentType = "text/xml; charset=utf-8";

    /// <summary>The reason tools key on to tell "mTLS required" (client-protocols §1).</summary>
    public const string ClientCertificateRequired = "Client certificate required";

    private readonly ManagementPointOptions _options;
    private readonly LocationOptions _location;
    private readonly SiteSigningKeyMaterial _keys;
    private readonly SmsIssuingKeyMaterial _issuing;
    private readonly IUserDeviceAffinitySource _affinity;
    private readonly string _x86UnknownMachine;
    private readonly string _x64UnknownMachine;
    private readonly ILogger _logger;

    public SmsAutEndpoint(
        IOptions<ManagementPointOptions> options,
        IOptions<LocationOptions> location,
        SiteSigningKeyMaterial keys,
        SmsIssuingKeyMaterial issuing,
        IUserDeviceAffinitySource affinity,
        ILoggerFactory loggerFactory)
    {
        _options = options.Value;
        _location = location.Value;
        _keys = keys;
        _issuing = issuing;
        _affinity = affinity;
        _x86UnknownMachine = (_location.X86UnknownMachineGuid ?? UnknownMachineGuid(_options.SiteCode, "x86")).ToString();
        _x64UnknownMachine = (_location.X64UnknownMachineGuid ?? UnknownMachineGuid(_options.SiteCode, "x64")).ToString();
        _logger = loggerFactory.CreateLogger(ManagementPointLogCategories.Location);
    }

    public async Task HandleAsync(HttpContext context)
    {
        var query = context.Request.QueryString.Value ?? string.Empty;
        if (_location.RequireClientCertificate && await context.Connection.GetClientCertificateAsync(context.RequestAborted) is null)
        {
            LogClientCertificateRequired(_logger, query);
            await WriteForbiddenAsync(context);
            return;
        }

        var arguments = query.TrimStart('?').Split('&');
        var keyword = Uri.UnescapeDataString(arguments[0]).ToUpperInvariant();
        var argument = arguments.Length > 1 ? Uri.UnescapeDataString(arguments[1]) : null;

        XElement? reply = keyword switch
        {
            "MPLIST" => MpList(includeSiteCode: false),
            "MPLIST1" or "MPLIST2" => IsOwnSite(argument) ? MpList(includeSiteCode: true) : new XElement("MPList"),
            "SITESIGNCERT" => SiteSignCert(),
            "MPKEYINFORMATION" => MpKeyInformation(),
            "MPKEYINFORMATIONMEDIA" => MpKeyInformationMedia(),
            "SMSTRC" => SmsTrc(),
            "GETCLIENTAFFINITY" => string.IsNullOrWhiteSpace(argument) ? null : ClientAffinity(argument),
            _ => null,
        };

        if (reply is null)
        {
            LogUnknownKeyword(_logger, query);
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        LogServed(_logger, keyword, argument ?? string.Empty);
        var bytes = Encoding.UTF8.GetBytes(reply.ToString(SaveOptions.DisableFormatting));
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = XmlContentType;
        context.Response.ContentLength = bytes.Length;
        await context.Response.Body.WriteAsync(bytes, context.RequestAborted);
    }

    private static async Task WriteForbiddenAsync(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status403Forbidden;
        if (context.Features.Get<IHttpResponseFeature>() is { } response)
        {
            response.ReasonPhrase = ClientCertificateRequired;
        }

        var bytes = Encoding.ASCII.GetBytes("403.7 - " + ClientCertificateRequired);
        context.Response.ContentType = "text/plain";
        context.Response.ContentLength = bytes.Length;
        await context.Response.Body.WriteAsync(bytes, context.RequestAborted);
    }

    /// <summary>
    /// The site's "Unknown Computer" ids are site-wide constants created at install; deriving them from
    /// the site code keeps every MP of a simulated site (and every restart) on the same ids.
    /// </summary>
    private static Guid UnknownMachineGuid(string siteCode, string architecture)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"UnknownMachine/{architecture}/{siteCode.ToUpperInvariant()}"));
        return new Guid(hash.AsSpan(0, 16));
    }

    private bool IsOwnSite(string? siteCode) => string.Equals(siteCode, _options.SiteCode, StringComparison.OrdinalIgnoreCase);

    /// <summary>Shape of the CMBP capture: <c>Name</c> is the FQDN upper-case, <c>FQDN</c> lower-case.</summary>
    private XElement MpList(bool includeSiteCode)
    {
        var mp = new XElement(
            "MP",
            new XAttribute("Name", _options.Fqdn.ToUpperInvariant()),
            new XAttribute("FQDN", _options.Fqdn.ToLowerInvariant()));
        if (includeSiteCode)
        {
            mp.Add(new XAttribute("SiteCode", _options.SiteCode.ToUpperInvariant()));
        }

        mp.Add(
            new XElement("Version", _options.BuildNumber),
            new XElement(
                "Capabilities",
                new XAttribute("SchemaVersion", "1.0"),
                new XElement("Property", new XAttribute("Name", "SSLState"), new XAttribute("Value", _options.SslState))));
        return new XElement("MPList", mp);
    }

    private XElement SiteSignCert()
    {
        var certificate = new XElement("X509Certificate", new XAttribute("EncodingType", "hexBinary"));
        if (_keys.CertificateSignatureHex is { } signature)
        {
            certificate.Add(new XAttribute("Signature", signature));
        }

        certificate.Add(_keys.CertificateHex);
        return new XElement("X509Data", certificate);
    }

    /// <summary>Only the parts the captures show and parsers rely on: TRUSTEDROOTKEY, FQDN, SITECODE.</summary>
    private XElement MpKeyInformation()
    {
        var trustedRoot = new XElement("TRUSTEDROOTKEY");
        if (_keys.TrustedRootKeySignatureHex is { } signature)
        {
            trustedRoot.Add(new XAttribute("Signature", signature));
        }

        trustedRoot.Add(_keys.TrustedRootKeyHex);
        return new XElement(
            "MPKEYINFORMATION",
            trustedRoot,
            new XElement("FQDN", _options.Fqdn.ToLowerInvariant()),
            new XElement("SITECODE", _options.SiteCode.ToUpperInvariant()));
    }

    /// <summary>What PXE and boot media ask: the trusted root key plus the site's Unknown Computer ids.</summary>
    private XElement MpKeyInformationMedia()
    {
        var info = MpKeyInformation();
        info.Add(new XElement(
            "UnknownMachines",
            new XAttribute("x86UnknownMachineGUID", _x86UnknownMachine),
            new XAttribute("x64UnknownMachineGUID", _x64UnknownMachine)));
        return info;
    }

    /// <summary>Shape of the CMBP capture: the signature block, then the SMS Issuing root(s) as hex DER.</summary>
    private XElement SmsTrc()
    {
        var root = new XElement("SMSIssuingCerts", new XAttribute("version", "1.0"));
        if (_issuing.SignatureHex is { } signature)
        {
            root.Add(new XElement(
                "Signature",
                new XElement("SignatureAlgorithm", new XAttribute("AlgID", SmsIssuingKeyMaterial.AlgorithmId), SmsIssuingKeyMaterial.AlgorithmOid),
                new XElement("SignatureValue", signature)));
        }

        root.Add(new XElement("Certs", new XElement("Cert", _issuing.CertificateHex)));
        return root;
    }

    private XElement ClientAffinity(string smsId)
    {
        var user = _affinity.GetPrimaryUser(smsId)
            ?? (smsId.StartsWith("GUID:", StringComparison.OrdinalIgnoreCase) ? null : _affinity.GetPrimaryUser("GUID:" + smsId));
        var reply = new XElement("ClientAffinity", new XAttribute("SMSID", smsId));
        if (user is not null)
        {
            reply.Add(new XElement("User", user));
        }

        return reply;
    }

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "Refused .sms_aut request '{Query}' without a client certificate (HTTPS-only MP): 403.")]
    private static partial void LogClientCertificateRequired(ILogger logger, string query);

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Served .sms_aut?{Keyword} (argument '{Argument}').")]
    private static partial void LogServed(ILogger logger, string keyword, string argument);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Unknown .sms_aut request '{Query}', answering 404.")]
    private static partial void LogUnknownKeyword(ILogger logger, string query);
}
