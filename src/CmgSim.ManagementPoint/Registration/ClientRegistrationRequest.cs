using System.Globalization;
using System.Xml;
using System.Xml.Linq;

namespace CmgSim.ManagementPoint.Registration;

/// <summary>
/// A parsed <c>ClientRegistrationRequest</c> (client-protocols §3.1). <see cref="SignedData"/> is the
/// exact <c>&lt;Data …&gt;…&lt;/Data&gt;</c> text of the body, because the signature covers those
/// characters, not a re-serialisation.
/// </summary>
internal sealed record ClientRegistrationRequest(
    string? ProposedSmsId,
    string RequestType,
    string SignedData,
    string? SignatureValue,
    byte[]? SigningCertificate,
    byte[]? EncryptionCertificate,
    string? NetbiosName,
    string? Fqdn,
    string? AgentIdentity)
{
    public static ClientRegistrationRequest Parse(string body)
    {
        XElement root;
        try
        {
            root = XElement.Parse(body);
        }
        catch (XmlException ex)
        {
            throw new RegistrationRejectedException($"the body is not XML: {ex.Message}");
        }

        if (root.Name.LocalName != "ClientRegistrationRequest")
        {
            throw new RegistrationRejectedException($"the body root is <{root.Name.LocalName}>, expected <ClientRegistrationRequest>");
        }

        var data = root.Element("Data") ?? throw new RegistrationRejectedException("the request has no <Data>");
        var start = FindDataStart(body);
        var end = body.LastIndexOf("</Data>", StringComparison.Ordinal);
        if (start < 0 || end < start)
        {
            throw new RegistrationRejectedException("the <Data> element text could not be located for the signature");
        }

        var properties = data.Element("DiscoveryProperties")?.Elements("Property")
            .Where(p => p.Attribute("Name") is not null)
            .GroupBy(p => (string)p.Attribute("Name")!, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => (string?)g.First().Attribute("Value"), StringComparer.OrdinalIgnoreCase) ?? [];
        var certificates = data.Element("Certificates");
        return new ClientRegistrationRequest(
            (string?)data.Attribute("SMSID"),
            (string?)data.Attribute("RequestType") ?? "Registration",
            body[start..(end + "</Data>".Length)],
            root.Element("Signature")?.Element("SignatureValue")?.Value.Trim(),
            Hex(certificates?.Element("Signing")?.Value, "Signing"),
            Hex(certificates?.Element("Encryption")?.Value, "Encryption"),
            properties.GetValueOrDefault("Netbios Name"),
            properties.GetValueOrDefault("FQ Name"),
            (string?)data.Element("AgentInformation")?.Attribute("AgentIdentity"));
    }

    private static int FindDataStart(string body)
    {
        for (var index = body.IndexOf("<Data", StringComparison.Ordinal); index >= 0; index = body.IndexOf("<Data", index + 1, StringComparison.Ordinal))
        {
            if (index + 5 < body.Length && body[index + 5] is ' ' or '>' or '\t' or '\r' or '\n')
            {
                return index;
            }
        }

        return -1;
    }

    private static byte[]? Hex(string? value, string which)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        try
        {
            return Convert.FromHexString(value.Trim());
        }
        catch (FormatException)
        {
            throw new RegistrationRejectedException(string.Create(CultureInfo.InvariantCulture, $"the {which} certificate is not hex"));
        }
    }
}

/// <summary>A registration the MP will not answer; the message is the log reason.</summary>
internal sealed class RegistrationRejectedException(string message) : Exception(message);
