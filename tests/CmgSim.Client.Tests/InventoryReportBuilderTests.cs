using System.Xml.Linq;
using CmgSim.Messaging;
using CmgSim.Messaging.Signing;

namespace CmgSim.Client.Tests;

public sealed class InventoryReportBuilderTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Hardware_inventory_is_signed_async_and_carries_the_os_build()
    {
        using var identity = ClientIdentity.Create("client01", Now, SmsId.FromGuid(Guid.NewGuid()));
        var body = InventoryReportBuilder.HardwareInventory(identity, "contoso.com", "Microsoft Windows 11 Enterprise", "10.0.26100", "26100", Now, delta: true);

        var envelope = CcmMessageReader.Read(InventoryReportBuilder.Sign(identity, InventoryReportBuilder.HinvEndpoint, body, "{11111111-1111-1111-1111-111111111111}", Now), null);

        Assert.True(ClientAuthVerifier.Verify(envelope).IsValid);
        Assert.Equal("ASync", envelope.Header.ReplyMode);
        var report = XElement.Parse(envelope.Message.Body);
        Assert.Equal("Delta", report.Descendants("ReportType").Single().Value);
        Assert.Equal("26100", report.Descendants("Win32_OperatingSystem").Single().Element("BuildNumber")!.Value);
        Assert.All(report.Descendants("Instance"), i => Assert.Equal("Updated", (string?)i.Attribute("Content")));
    }

    [Fact]
    public void Update_compliance_state_messages_use_topic_type_500_and_the_update_ids()
    {
        using var identity = ClientIdentity.Create("client01", Now, SmsId.FromGuid(Guid.NewGuid()));
        var messages = StateMessageBuilder.UpdateCompliance([("u-1", UpdateComplianceState.Required), ("u-2", UpdateComplianceState.Installed)], Now, firstSerialNumber: 10);

        var report = XElement.Parse(InventoryReportBuilder.StateMessages(identity, Now, messages));

        var states = report.Descendants("StateMessage").ToList();
        Assert.Equal(["u-1", "u-2"], states.Select(s => (string?)s.Element("Topic")!.Attribute("ID")));
        Assert.All(states, s => Assert.Equal("500", (string?)s.Element("Topic")!.Attribute("Type")));
        Assert.Equal(["2", "3"], states.Select(s => (string?)s.Element("State")!.Attribute("ID")));
        Assert.Equal("11", (string?)states[1].Attribute("SerialNumber"));
        Assert.Equal("State Message Data", report.Descendants("ReportContent").Single().Value);
    }
}
