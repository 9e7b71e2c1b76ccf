using System.Globalization;
using System.Xml.Linq;
using CmgSim.Messaging;
using CmgSim.Messaging.Signing;

namespace CmgSim.Client;

/// <summary>
/// Builds the <c>&lt;Report&gt;</c> bodies of inventory, discovery and state-message posts (client-protocols §3.6, §3.7)
/// and signs them into CCM_POST envelopes the way the client does (asynchronous, clientauth hook).
/// </summary>
public static class InventoryReportBuilder
{
    public const string DdrEndpoint = "MP_DdrEndpoint";
    public const string HinvEndpoint = "MP_HinvEndpoint";
    public const string RelayEndpoint = "MP_RelayEndpoint";

    /// <summary>Standard inventory action (schedule) ids: …001 hardware, …003 discovery.</summary>
    public const string HardwareInventoryAction = "{00000000-0000-0000-0000-000000000001}";
    public const string DiscoveryAction = "{00000000-0000-0000-0000-000000000003}";

    /// <summary>A discovery data record: computer system, client and <c>CCM_DiscoveryData.PlatformID</c> (as sccmhunter sends it).</summary>
    public static string Ddr(ClientIdentity identity, string domain, string fqdn, string platformId, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(identity);
        return Report(identity, "Inventory Data", "Full", DiscoveryAction, "Discovery", now,
            Instance(identity, "CCM_ComputerSystem", new XElement("Domain", domain)),
            Instance(identity, "CCM_ExtNetworkAdapterConfiguration", new XElement("FQDN", fqdn)),
            Instance(identity, "CCM_DiscoveryData", new XElement("PlatformID", platformId)));
    }

    /// <summary>A hardware inventory report with <c>Win32_ComputerSystem</c> and <c>Win32_OperatingSystem</c> (incl. the OS build).</summary>
    /// <param name="delta">A delta report (instances marked <c>Updated</c>) instead of a full one.</param>
    public static string HardwareInventory(ClientIdentity identity, string domain, string osCaption, string osVersion, string osBuild, DateTimeOffset now, bool delta = false)
    {
        ArgumentNullException.ThrowIfNull(identity);
        var content = delta ? "Updated" : "New";
        return Report(identity, "Inventory Data", delta ? "Delta" : "Full", HardwareInventoryAction, "Hardware", now,
            Instance(identity, "Win32_ComputerSystem", content,
                new XElement("Domain", domain), new XElement("Manufacturer", "Microsoft Corporation"), new XElement("Model", "Virtual Machine"), new XElement("Name", identity.HostName)),
            Instance(identity, "Win32_OperatingSystem", content,
                new XElement("BuildNumber", osBuild), new XElement("Caption", osCaption), new XElement("Version", osVersion)));
    }

    /// <summary>A state-message report (§3.7), e.g. from <see cref="StateMessageBuilder.UpdateCompliance"/>.</summary>
    public static string StateMessages(ClientIdentity identity, DateTimeOffset now, IEnumerable<XElement> stateMessages) =>
        Report(identity, "State Message Data", "Full", null, null, now, [.. stateMessages]);

    /// <summary>The signed asynchronous envelope for <paramref name="body"/>; the identity must have its SMSID.</summary>
    public static byte[] Sign(ClientIdentity identity, string endpoint, string body, string messageId, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(identity);
        var smsId = identity.SmsId ?? throw new InvalidOperationException("The client has no SMSID yet; register first.");
        var header = new MsgHeader
        {
            ReplyCompression = CcmCompression.Zlib,
            Id = messageId,
            CorrelationId = "{00000000-0000-0000-0000-000000000000}",
            SourceHost = identity.HostName,
            TargetAddress = "mp:" + endpoint,
            TargetEndpoint = endpoint,
            ReplyTo = endpoint == RelayEndpoint ? "direct:StateMessageManager" : "direct:InventoryAgent",
            ReplyMode = "ASync",
            Priority = 0,
            Timeout = 60000,
            Protocol = "http",
            SentTime = now,
        };
        return CcmSigner.WriteSigned(header, body, identity.Key, smsId, identity.HostName);
    }

    private static string Report(ClientIdentity identity, string content, string type, string? actionId, string? description, DateTimeOffset now, params XElement[] body)
    {
        var header = new XElement("ReportHeader",
            new XElement("Identification", new XElement("Machine",
                new XElement("ClientInstalled", 1),
                new XElement("ClientType", 1),
                new XElement("ClientID", identity.SmsId),
                new XElement("ClientVersion", "5.00.9132.1000"),
                new XElement("NetBIOSName", identity.HostName),
                new XElement("CodePage", 437),
                new XElement("SystemDefaultLCID", 1033),
                new XElement("Priority"))),
            new XElement("ReportDetails",
                new XElement("ReportContent", content),
                new XElement("ReportType", type),
                new XElement("Date", now.UtcDateTime.ToString("yyyyMMddHHmmss.ffffff", CultureInfo.InvariantCulture) + "+000"),
                new XElement("Version", "1.0"),
                new XElement("Format", "1.1")));
        if (actionId is not null)
        {
            header.Add(new XElement("InventoryAction", new XAttribute("ActionType", "Predefined"),
                new XElement("InventoryActionID", actionId), new XElement("Description", description)));
        }

        return new XElement("Report", header, new XElement("ReportBody", body)).ToString(SaveOptions.DisableFormatting);
    }

    private static XElement Instance(ClientIdentity identity, string @class, params XElement[] properties) => Instance(identity, @class, "New", properties);

    private static XElement Instance(ClientIdentity identity, string @class, string content, params XElement[] properties) =>
        new("Instance",
            new XAttribute("Content", content),
            new XAttribute("Namespace", $@"\\{identity.HostName}\root\cimv2"),
            new XAttribute("Class", @class),
            new XAttribute("ParentClass", @class),
            new XElement(@class, properties));
}
