using System.Security.Cryptography;
using System.Xml.Linq;

namespace CmgSim.Messaging.Signing;

/// <summary>
/// The <c>&lt;Hook2 Name="clientauth"&gt;</c> of a <c>&lt;Msg&gt;</c> header (client-protocols §2.3): who
/// signed, with which key, and the two signatures. Values are kept as sent (hex strings).
/// </summary>
public sealed record ClientAuthHook
{
    public const string HookName = "clientauth";
    public const string DefaultCapabilities = "NonSSL";

    public string? AuthSenderMachine { get; init; }

    /// <summary>Uppercase hex CryptoAPI PUBLICKEYBLOB (<see cref="CcmPublicKeyBlob"/>).</summary>
    public string? PublicKey { get; init; }

    public string? ClientIdSignature { get; init; }

    public string? PayloadSignature { get; init; }

    public string? ClientCapabilities { get; init; } = DefaultCapabilities;

    public string? HashAlgorithm { get; init; } = CcmSignature.Sha256WithRsaOid;

    /// <summary>Signs <paramref name="smsId"/> and <paramref name="payloadPart"/> (the payload bytes exactly as sent) with <paramref name="key"/>.</summary>
    public static ClientAuthHook Create(RSA key, string machine, string smsId, ReadOnlySpan<byte> payloadPart, CcmSignatureStyle style = CcmSignatureStyle.Reversed)
    {
        ArgumentNullException.ThrowIfNull(key);
        return new ClientAuthHook
        {
            AuthSenderMachine = machine,
            PublicKey = Convert.ToHexString(CcmPublicKeyBlob.FromRsa(key)),
            ClientIdSignature = CcmSignature.Sign(key, CcmSignature.ClientIdSignedBytes(smsId), style),
            PayloadSignature = CcmSignature.Sign(key, payloadPart, style),
        };
    }

    /// <summary>Property order as sccmwtf and the SDK-style tools write it.</summary>
    public XElement ToXElement()
    {
        var hook = new XElement("Hook2", new XAttribute("Name", HookName));
        Add(hook, "AuthSenderMachine", AuthSenderMachine);
        Add(hook, "PublicKey", PublicKey);
        Add(hook, "ClientIDSignature", ClientIdSignature);
        Add(hook, "PayloadSignature", PayloadSignature);
        Add(hook, "ClientCapabilities", ClientCapabilities);
        Add(hook, "HashAlgorithm", HashAlgorithm);
        return hook;
    }

    /// <summary>Finds a <c>clientauth</c> hook (any <c>HookN</c> element) under <c>&lt;Hooks&gt;</c>; null when there is none.</summary>
    public static ClientAuthHook? FromMsg(XElement? msg)
    {
        var hook = msg?.Element("Hooks")?.Elements().FirstOrDefault(h =>
            string.Equals((string?)h.Attribute("Name"), HookName, StringComparison.OrdinalIgnoreCase));
        if (hook is null)
        {
            return null;
        }

        var properties = hook.Elements("Property")
            .Where(p => p.Attribute("Name") is not null)
            .GroupBy(p => (string)p.Attribute("Name")!, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.First().Value.Trim(), StringComparer.OrdinalIgnoreCase);
        return new ClientAuthHook
        {
            AuthSenderMachine = properties.GetValueOrDefault("AuthSenderMachine"),
            PublicKey = properties.GetValueOrDefault("PublicKey"),
            ClientIdSignature = properties.GetValueOrDefault("ClientIDSignature"),
            PayloadSignature = properties.GetValueOrDefault("PayloadSignature"),

            // mprecon spells it ClientCapability.
            ClientCapabilities = properties.GetValueOrDefault("ClientCapabilities") ?? properties.GetValueOrDefault("ClientCapability"),
            HashAlgorithm = properties.GetValueOrDefault("HashAlgorithm"),
        };
    }

    private static void Add(XElement hook, string name, string? value)
    {
        if (value is not null)
        {
            hook.Add(new XElement("Property", new XAttribute("Name", name), value));
        }
    }
}
