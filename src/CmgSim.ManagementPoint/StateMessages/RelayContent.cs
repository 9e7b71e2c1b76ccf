using System.Globalization;
using System.Xml;
using System.Xml.Linq;

namespace CmgSim.ManagementPoint.StateMessages;

/// <summary>
/// One <c>&lt;StateMessage&gt;</c> (client-protocols §3.7): <c>&lt;Topic ID Type IDType/&gt;&lt;State ID Criticality/&gt;&lt;UserParameters&gt;&lt;Param/&gt;…</c>.
/// Software update compliance uses topic type 500 (detection: state 0 unknown, 1 not required, 2 required, 3 installed)
/// and 501 [I], with the update's unique id as topic id.
/// </summary>
internal sealed record StateMessageRecord(
    string TopicId,
    int TopicType,
    int? TopicIdType,
    int StateId,
    int? Criticality,
    long? SerialNumber,
    string? MessageTime,
    IReadOnlyList<string> UserParameters);

/// <summary>
/// A status message. Its relay shape is not public [U] (SDK-2007 only names <c>&lt;Status&gt;</c> with <c>Type</c>/<c>Property</c>
/// children), so the element is kept whole and the usual fields are read from attributes or child elements when present.
/// </summary>
internal sealed record StatusMessageRecord(string? ModuleName, string? Component, int? StatusMessageId, string? Severity, string Xml);

/// <summary>What an <c>MP_RelayEndpoint</c> body holds: a <c>&lt;Report&gt;</c> of state and/or status messages, or one bare message.</summary>
internal sealed record RelayContent(string? ClientId, string? ReportContent, IReadOnlyList<StateMessageRecord> StateMessages, IReadOnlyList<StatusMessageRecord> StatusMessages)
{
    public static bool TryParse(string xml, out RelayContent? content, out string? error)
    {
        content = null;
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

        var header = root.Element("ReportHeader");
        IEnumerable<XElement> messages = root.Name.LocalName == "Report" ? root.Element("ReportBody")?.Elements() ?? [] : [root];
        var states = new List<StateMessageRecord>();
        var statuses = new List<StatusMessageRecord>();
        foreach (var message in messages)
        {
            switch (message.Name.LocalName)
            {
                case "StateMessage":
                    if (ParseState(message) is not { } state)
                    {
                        error = "a <StateMessage> lacks a numeric Topic Type or State ID, or a Topic ID";
                        return false;
                    }

                    states.Add(state);
                    break;
                case "StatusMessage" or "Status":
                    statuses.Add(new StatusMessageRecord(
                        Field(message, "ModuleName"),
                        Field(message, "Component"),
                        Int(Field(message, "MessageID") ?? Field(message, "ID")),
                        Field(message, "Severity"),
                        message.ToString(SaveOptions.DisableFormatting)));
                    break;
            }
        }

        content = new RelayContent(
            header?.Element("Identification")?.Element("Machine")?.Element("ClientID")?.Value,
            header?.Element("ReportDetails")?.Element("ReportContent")?.Value,
            states,
            statuses);
        error = null;
        return true;
    }

    private static StateMessageRecord? ParseState(XElement message)
    {
        var topic = message.Element("Topic");
        var state = message.Element("State");
        if ((string?)topic?.Attribute("ID") is not { Length: > 0 } topicId
            || Int((string?)topic.Attribute("Type")) is not { } topicType
            || Int((string?)state?.Attribute("ID")) is not { } stateId)
        {
            return null;
        }

        return new StateMessageRecord(
            topicId,
            topicType,
            Int((string?)topic.Attribute("IDType")),
            stateId,
            Int((string?)state!.Attribute("Criticality")),
            long.TryParse((string?)message.Attribute("SerialNumber"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var serial) ? serial : null,
            (string?)message.Attribute("MessageTime"),
            [.. message.Element("UserParameters")?.Elements("Param").Select(static p => p.Value) ?? []]);
    }

    private static string? Field(XElement element, string name) =>
        (string?)element.Attribute(name) ?? element.Element(name)?.Value;

    private static int? Int(string? value) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) ? parsed : null;
}
