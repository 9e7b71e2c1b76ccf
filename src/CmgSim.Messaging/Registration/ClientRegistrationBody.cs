using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Xml.Linq;
using CmgSim.Messaging.Signing;

namespace CmgSim.Messaging.Registration;

/// <summary>
/// Writes a signed <c>ClientRegistrationRequest</c> body (client-protocols §3.1) and reads the
/// <c>SMSID</c> back out of the reply. The signature covers the UTF-16LE text of <c>&lt;Data&gt;</c>
/// exactly as it appears in the body, so the body is assembled from that same string.
/// </summary>
public static class ClientRegistrationBody
{
    public const string EndpointName = "MP_ClientRegistration";

    /// <param name="smsId">The client's proposed SMSID, or null/empty to let the MP assign one.</param>
    /// <param name="certificate">The self-signed signing certificate (also sent as the encryption certificate, as tools do).</param>
    public static string Create(
        string? smsId,
        X509Certificate2 certificate,
        RSA signingKey,
        string netbiosName,
        string fqdn,
        DateTimeOffset timestamp,
        string requestType = "Registration",
        string agentIdentity = "CCMSetup.exe",
        string agentVersion = "5.00.9106.1000")
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(signingKey);
        var der = Convert.ToHexString(certificate.RawData);
        var data = new XElement(
            "Data",
            new XAttribute("HashAlgorithm", CcmSignature.Sha256WithRsaOid),
            new XAttribute("SMSID", string.IsNullOrEmpty(smsId) ? string.Empty : SmsId.Normalize(smsId)),
            new XAttribute("RequestType", requestType),
            new XAttribute("TimeStamp", timestamp.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)),
            new XElement("AgentInformation", new XAttribute("AgentIdentity", agentIdentity), new XAttribute("AgentVersion", agentVersion), new XAttribute("AgentType", "0")),
            new XElement(
                "Certificates",
                new XElement("Encryption", new XAttribute("Encoding", "HexBinary"), new XAttribute("KeyType", "1"), der),
                new XElement("Signing", new XAttribute("Encoding", "HexBinary"), new XAttribute("KeyType", "1"), der)),
            new XElement(
                "DiscoveryProperties",
                Property("Netbios Name", netbiosName),
                Property("FQ Name", fqdn),
                Property("Locale ID", "1033"),
                Property("InternetFlag", "0")));
        var dataText = data.ToString(SaveOptions.DisableFormatting);
        var signature = CcmSignature.Sign(signingKey, Encoding.Unicode.GetBytes(dataText));
        return $"<ClientRegistrationRequest>{dataText}<Signature><SignatureValue>{signature}</SignatureValue></Signature></ClientRegistrationRequest>";
    }

    /// <summary>The <c>SMSID</c> attribute of the reply root, as the tools read it; null when absent.</summary>
    public static string? ReadSmsId(string replyBody) => (string?)XElement.Parse(replyBody).Attribute("SMSID");

    private static XElement Property(string name, string value) => new("Property", new XAttribute("Name", name), new XAttribute("Value", value));
}
