using System.Xml;
using System.Xml.Linq;

namespace CmgSim.ManagementPoint.Inventory;

/// <summary>
/// The <c>&lt;Report&gt;</c> every inventory, discovery and state-message post carries (client-protocols §3.6, §3.7):
/// the identification and report details from <c>ReportHeader</c>, and <c>ReportBody</c> left as XML.
/// </summary>
internal sealed record CcmReport(
    string? ClientId,
    string? NetbiosName,
    string? ReportContent,
    string? ReportType,
    string? ReportDate,
    string? InventoryActionId,
    XElement Body)
{
    /// <summary>Parses a <c>&lt;Report&gt;</c>; a missing <c>ReportBody</c> reads as empty (the header-only DDR attachment has one).</summary>
    public static bool TryParse(string xml, out CcmReport? report, out string? error)
    {
        report = null;
        XElement root;
        try
        {
            root = XElement.Parse(xml);
        }
        catch (XmlException ex)
        {
            error = "the body is not well-formed XML: " + ex.Message;
            return false;
        }

        if (root.Name.LocalName != "Report")
        {
            error = $"the body root is <{root.Name.LocalName}>, expected <Report>";
            return false;
        }

        var header = root.Element("ReportHeader");
        var machine = header?.Element("Identification")?.Element("Machine");
        var details = header?.Element("ReportDetails");
        report = new CcmReport(
            Text(machine, "ClientID"),
            Text(machine, "NetBIOSName"),
            Text(details, "ReportContent"),
            Text(details, "ReportType"),
            Text(details, "Date"),
            Text(header?.Element("InventoryAction"), "InventoryActionID"),
            root.Element("ReportBody") ?? new XElement("ReportBody"));
        error = null;
        return true;
    }

    private static string? Text(XElement? parent, string name) => parent?.Element(name)?.Value is { Length: > 0 } value ? value : null;
}
