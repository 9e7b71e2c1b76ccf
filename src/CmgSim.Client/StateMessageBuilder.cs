using System.Globalization;
using System.Xml.Linq;

namespace CmgSim.Client;

/// <summary>Software update compliance states of topic type 500 [I] (update detection).</summary>
public enum UpdateComplianceState
{
    Unknown = 0,
    NotRequired = 1,
    Required = 2,
    Installed = 3,
}

/// <summary><c>&lt;StateMessage&gt;</c> elements as the client's state system sends them (client-protocols §3.7).</summary>
public static class StateMessageBuilder
{
    /// <summary>Topic type of per-update compliance (detection) state messages.</summary>
    public const int UpdateComplianceTopicType = 500;

    /// <summary>Topic type 501, the second update topic of §3.7 (evaluation) [I].</summary>
    public const int UpdateEvaluationTopicType = 501;

    /// <summary>IDType 3: the topic id is an update's unique id (as in the §3.7 capture).</summary>
    public const int UpdateIdType = 3;

    /// <summary>One state message per update id, serial numbers counting up from <paramref name="firstSerialNumber"/>.</summary>
    public static IReadOnlyList<XElement> UpdateCompliance(IEnumerable<(string UpdateId, UpdateComplianceState State)> updates, DateTimeOffset now, long firstSerialNumber = 1, int topicType = UpdateComplianceTopicType)
    {
        ArgumentNullException.ThrowIfNull(updates);
        var serial = firstSerialNumber;
        return [.. updates.Select(u => StateMessage(u.UpdateId, topicType, UpdateIdType, (int)u.State, now, serial++))];
    }

    public static XElement StateMessage(string topicId, int topicType, int topicIdType, int stateId, DateTimeOffset now, long serialNumber, params string[] userParameters) =>
        new("StateMessage",
            new XAttribute("MessageTime", now.UtcDateTime.ToString("yyyyMMddHHmmss.fff", CultureInfo.InvariantCulture) + "+000"),
            new XAttribute("SerialNumber", serialNumber),
            new XElement("Topic", new XAttribute("ID", topicId), new XAttribute("Type", topicType), new XAttribute("IDType", topicIdType), new XAttribute("User", string.Empty), new XAttribute("UserSID", string.Empty)),
            new XElement("State", new XAttribute("ID", stateId), new XAttribute("Criticality", 0)),
            new XElement("UserParameters", new XAttribute("Flags", 0), new XAttribute("Count", userParameters.Length), userParameters.Select(static p => new XElement("Param", p))));
}
