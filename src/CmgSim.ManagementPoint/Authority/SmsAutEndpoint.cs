using System.Text;
using System.Xml.Linq;
using Microsoft.AspNetCore.Http;
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
/// </list>
/// </summary>
internal sealed partial class SmsAutEndpoint
{
    private const string XmlContentType = "text/xml; charset=utf-8";

    private readonly ManagementPointOptions _options;
    private readonly SiteSigningKeyMaterial _keys;
    private readonly ILogger _logger;

    public SmsAutEndpoint(IOptions<ManagementPointOptions> options, SiteSigningKeyMaterial keys, ILoggerFactory loggerFactory)
    {
        _options = options.Value;
        _keys = keys;
        _logger = loggerFactory.CreateLogger(ManagementPointLogCategories.Location);
    }

    public async Task HandleAsync(HttpContext context)
    {
        var query = context.Request.QueryString.Value ?? string.Empty;
        var arguments = query.TrimStart('?').Split('&');
        var keyword = Uri.UnescapeDataString(arguments[0]).ToUpperInvariant();
        var argument = arguments.Length > 1 ? Uri.UnescapeDataString(arguments[1]) : null;

        XElement? reply = keyword switch
        {
            "MPLIST" => MpList(includeSiteCode: false),
            "MPLIST1" or "MPLIST2" => IsOwnSite(argument) ? MpList(includeSiteCode: true) : new XElement("MPList"),
            "SITESIGNCERT" => SiteSignCert(),
            "MPKEYINFORMATION" => MpKeyInformation(),
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

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Served .sms_aut?{Keyword} (argument '{Argument}').")]
    private static partial void LogServed(ILogger logger, string keyword, string argument);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Unknown .sms_aut request '{Query}', answering 404.")]
    private static partial void LogUnknownKeyword(ILogger logger, string query);
}
