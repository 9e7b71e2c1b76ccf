using System.Globalization;
using System.Xml;
using System.Xml.Linq;
using CmgSim.Messaging.Signing;

namespace CmgSim.Messaging;

/// <summary>
/// The fields of the <c>&lt;Msg&gt;</c> header (client-protocols §2.3) that the simulator reads or writes.
/// <see cref="ToXml"/> writes them in the order the SDK and tools use; <see cref="Parse"/> keeps the
/// parsed element in <see cref="Element"/> so later code (the <c>clientauth</c> hook) can read the rest.
/// </summary>
public sealed record MsgHeader
{
    public const string DefaultSchemaVersion = "1.1";
    public const string ZlibCompressHookName = "zlib-compress";

    public string SchemaVersion { get; init; } = DefaultSchemaVersion;

    /// <summary>The <c>ReplyCompression</c> attribute; <see langword="null"/> when absent, which the SDK treats as zlib.</summary>
    public CcmCompression? ReplyCompression { get; init; }

    /// <summary>Message id, a braced GUID (may be empty).</summary>
    public string? Id { get; init; }

    public string? CorrelationId { get; init; }

    /// <summary>The sender's SMS id (<c>GUID:…</c>); empty for location and registration requests.</summary>
    public string? SourceId { get; init; }

    public string? SourceHost { get; init; }

    /// <summary>E.g. <c>mp:[http]MP_LocationManager</c>.</summary>
    public string? TargetAddress { get; init; }

    public string? TargetEndpoint { get; init; }

    public string? TargetHost { get; init; }

    /// <summary>E.g. <c>direct:CLIENT01:LS_ReplyLocations</c>.</summary>
    public string? ReplyTo { get; init; }

    /// <summary><c>Sync</c> (reply in the HTTP response) or <c>ASync</c>.</summary>
    public string? ReplyMode { get; init; }

    public string? Protocol { get; init; }

    public DateTimeOffset? SentTime { get; init; }

    public int? Priority { get; init; }

    /// <summary>Timeout in milliseconds.</summary>
    public int? Timeout { get; init; }

    /// <summary>Offset of the body in the decoded payload stream (<c>&lt;Body Type="ByteRange"&gt;</c>).</summary>
    public int? BodyOffset { get; init; }

    /// <summary>Length of the body in bytes, including the UTF-16 NUL (<see cref="CcmPayload.GetBodyLength"/>).</summary>
    public int? BodyLength { get; init; }

    /// <summary>Whether <c>&lt;Hooks&gt;&lt;Hook3 Name="zlib-compress"/&gt;&lt;/Hooks&gt;</c> is present.</summary>
    public bool ZlibCompressHook { get; init; }

    /// <summary>The <c>clientauth</c> hook (client signature), written before <c>zlib-compress</c> as the tools do.</summary>
    public ClientAuthHook? ClientAuth { get; init; }

    /// <summary>The parsed element (null for headers built in code). Signature hooks are read from here.</summary>
    public XElement? Element { get; init; }

    /// <summary>The compression a reply must use: <c>ReplyCompression="none"</c> means none, anything else zlib.</summary>
    public CcmCompression EffectiveReplyCompression => ReplyCompression ?? CcmCompression.Zlib;

    public string ToXml()
    {
        var msg = new XElement("Msg");
        if (ReplyCompression is { } replyCompression)
        {
            msg.SetAttributeValue("ReplyCompression", replyCompression == CcmCompression.None ? "none" : "zlib");
        }

        msg.SetAttributeValue("SchemaVersion", SchemaVersion);
        Add(msg, "ID", Id ?? string.Empty);
        Add(msg, "CorrelationID", CorrelationId);
        Add(msg, "SourceID", SourceId);
        Add(msg, "SourceHost", SourceHost);
        Add(msg, "TargetAddress", TargetAddress);
        Add(msg, "ReplyTo", ReplyTo);
        Add(msg, "Priority", Priority?.ToString(CultureInfo.InvariantCulture));
        Add(msg, "Timeout", Timeout?.ToString(CultureInfo.InvariantCulture));
        Add(msg, "TargetHost", TargetHost);
        Add(msg, "TargetEndpoint", TargetEndpoint);
        Add(msg, "ReplyMode", ReplyMode);
        Add(msg, "Protocol", Protocol);
        Add(msg, "SentTime", SentTime?.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
        if (BodyLength is { } length)
        {
            msg.Add(new XElement(
                "Body",
                new XAttribute("Type", "ByteRange"),
                new XAttribute("Offset", (BodyOffset ?? 0).ToString(CultureInfo.InvariantCulture)),
                new XAttribute("Length", length.ToString(CultureInfo.InvariantCulture))));
        }

        if (ClientAuth is not null || ZlibCompressHook)
        {
            var hooks = new XElement("Hooks");
            if (ClientAuth is not null)
            {
                hooks.Add(ClientAuth.ToXElement());
            }

            if (ZlibCompressHook)
            {
                hooks.Add(new XElement("Hook3", new XAttribute("Name", ZlibCompressHookName)));
            }

            msg.Add(hooks);
        }

        msg.Add(new XElement("Payload", new XAttribute("Type", "inline")));
        return msg.ToString(SaveOptions.DisableFormatting);
    }

    /// <summary>Parses a <c>&lt;Msg&gt;</c> header; unknown elements are ignored (but kept in <see cref="Element"/>).</summary>
    public static MsgHeader Parse(string xml)
    {
        ArgumentNullException.ThrowIfNull(xml);
        XElement root;
        try
        {
            root = XElement.Parse(xml);
        }
        catch (XmlException ex)
        {
            throw new CcmMessageFormatException($"The header part is not well-formed XML: {ex.Message}", ex);
        }

        if (root.Name.LocalName != "Msg")
        {
            throw new CcmMessageFormatException($"The header root is <{root.Name.LocalName}>, expected <Msg>.");
        }

        var body = root.Element("Body");
        var bodyIsByteRange = body is not null && string.Equals((string?)body.Attribute("Type"), "ByteRange", StringComparison.OrdinalIgnoreCase);
        return new MsgHeader
        {
            SchemaVersion = (string?)root.Attribute("SchemaVersion") ?? DefaultSchemaVersion,
            ReplyCompression = ParseCompression((string?)root.Attribute("ReplyCompression")),
            Id = Text(root, "ID"),
            CorrelationId = Text(root, "CorrelationID"),
            SourceId = Text(root, "SourceID"),
            SourceHost = Text(root, "SourceHost"),
            TargetAddress = Text(root, "TargetAddress"),
            TargetEndpoint = Text(root, "TargetEndpoint"),
            TargetHost = Text(root, "TargetHost"),
            ReplyTo = Text(root, "ReplyTo"),
            ReplyMode = Text(root, "ReplyMode"),
            Protocol = Text(root, "Protocol"),
            SentTime = DateTimeOffset.TryParse(Text(root, "SentTime"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var sent) ? sent : null,
            Priority = Int(Text(root, "Priority")),
            Timeout = Int(Text(root, "Timeout")),
            BodyOffset = bodyIsByteRange ? Int((string?)body!.Attribute("Offset")) : null,
            BodyLength = bodyIsByteRange ? Int((string?)body!.Attribute("Length")) : null,
            ZlibCompressHook = root.Element("Hooks")?.Elements().Any(hook =>
                string.Equals((string?)hook.Attribute("Name"), ZlibCompressHookName, StringComparison.OrdinalIgnoreCase)) ?? false,
            ClientAuth = ClientAuthHook.FromMsg(root),
            Element = root,
        };
    }

    private static CcmCompression? ParseCompression(string? value) => value?.Trim().ToUpperInvariant() switch
    {
        null => null,
        "NONE" => CcmCompression.None,
        _ => CcmCompression.Zlib,
    };

    private static void Add(XElement msg, string name, string? value)
    {
        if (value is not null)
        {
            msg.Add(new XElement(name, value));
        }
    }

    private static string? Text(XElement root, string name) => root.Element(name)?.Value;

    private static int? Int(string? value) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) ? parsed : null;
}
