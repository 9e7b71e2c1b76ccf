using System.Globalization;
using System.Text;
using CmgSim.Messaging;

namespace CmgSim.ManagementPoint.Inventory;

/// <summary>
/// An <c>&lt;Attachment Type="ByteRange" Name=".." Offset=".." Length=".."/&gt;</c> of the <c>&lt;Msg&gt;</c> header: another
/// byte range of the same decoded payload stream. sccmhunter's DDR sends the header-only report as the first
/// attachment and the full report as the second, which is also the <c>Body</c> range (client-protocols §2.3, §3.6).
/// </summary>
internal sealed record InventoryAttachment(string? Name, int Offset, int Length, string Text)
{
    /// <summary>The attachments whose range lies inside the payload; others are skipped (the tools disagree on lengths, §2.2).</summary>
    public static IReadOnlyList<InventoryAttachment> FromEnvelope(CcmEnvelope envelope)
    {
        var elements = envelope.Header.Element?.Elements("Attachment") ?? [];
        var attachments = new List<InventoryAttachment>();
        foreach (var element in elements)
        {
            if (!int.TryParse((string?)element.Attribute("Offset"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var offset)
                || !int.TryParse((string?)element.Attribute("Length"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var length)
                || offset < 0 || length < 0 || offset + length > envelope.Payload.Length)
            {
                continue;
            }

            var text = Encoding.Unicode.GetString(envelope.Payload, offset, length & ~1).TrimEnd('\0', '\r', '\n');
            attachments.Add(new InventoryAttachment((string?)element.Attribute("Name"), offset, length, text));
        }

        return attachments;
    }
}
