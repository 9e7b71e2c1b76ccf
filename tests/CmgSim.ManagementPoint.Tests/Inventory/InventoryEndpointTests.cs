using System.IO.Compression;
using System.Xml.Linq;
using CmgSim.Messaging;
using CmgSim.Messaging.Signing;
using Microsoft.Extensions.Logging;

namespace CmgSim.ManagementPoint.Tests.Inventory;

public sealed class InventoryEndpointTests(ManagementPointHost host) : IClassFixture<ManagementPointHost>
{
    private const string Hardware = "{00000000-0000-0000-0000-000000000001}";
    private const string Software = "{00000000-0000-0000-0000-000000000002}";
    private const string Discovery = "{00000000-0000-0000-0000-000000000003}";

    [Theory]
    [InlineData("MP_DdrEndpoint", "Full", Discovery)]
    [InlineData("MP_HinvEndpoint", "Full", Hardware)]
    [InlineData("MP_HinvEndpoint", "Delta", Hardware)]
    [InlineData("MP_SinvEndpoint", "Full", Software)]
    public async Task Each_endpoint_stores_the_report_before_acknowledging(string endpoint, string type, string action)
    {
        using var client = new TestClient();
        var smsId = await ReportPosting.RegisterAsync(host, client);
        var header = ReportPosting.Header(endpoint);
        var body = ReportPosting.Report(smsId, "Inventory Data", type, action,
            ReportPosting.Instance("Win32_ComputerSystem", "<Domain>contoso.com</Domain>", type == "Delta" ? "Updated" : "New")
            + ReportPosting.Instance("Win32_OperatingSystem", "<BuildNumber>26100</BuildNumber>"));

        var ack = await ReportPosting.PostAsync(host, CcmSigner.WriteSigned(header, body, client.Key, smsId, client.NetbiosName));

        Assert.NotNull(ack);
        Assert.Equal("MessageAcknowledgement", ack.Name.LocalName);
        Assert.Equal(header.Id, (string?)ack.Attribute("MessageID"));
        Assert.Equal(1, ReportPosting.Scalar(host, "SELECT COUNT(*) FROM InventoryReports WHERE MessageId = $id AND Endpoint = $e AND SmsId = $s AND ReportType = $t AND InventoryActionId = $a",
            ("$id", header.Id!), ("$e", endpoint), ("$s", smsId), ("$t", type), ("$a", action)));
        Assert.Equal(2, ReportPosting.Scalar(host, "SELECT COUNT(*) FROM InventoryInstances i JOIN InventoryReports r ON r.Id = i.ReportId WHERE r.MessageId = $id", ("$id", header.Id!)));
        Assert.Contains("<BuildNumber>26100</BuildNumber>", ReportPosting.Text(host,
            "SELECT i.Properties FROM InventoryInstances i JOIN InventoryReports r ON r.Id = i.ReportId WHERE r.MessageId = $id AND i.Class = 'Win32_OperatingSystem'", ("$id", header.Id!)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_retried_message_id_is_acknowledged_again_but_stored_once()
    {
        using var client = new TestClient();
        var smsId = await ReportPosting.RegisterAsync(host, client);
        var header = ReportPosting.Header("MP_HinvEndpoint");
        var post = CcmSigner.WriteSigned(header, ReportPosting.Report(smsId, "Inventory Data", "Full", Hardware, ReportPosting.Instance("Win32_ComputerSystem", "<Name>CLIENT01</Name>")), client.Key, smsId, client.NetbiosName);

        var first = await ReportPosting.PostAsync(host, post);
        var second = await ReportPosting.PostAsync(host, post);

        Assert.NotNull(first);
        Assert.NotNull(second);
        Assert.Equal(header.Id, (string?)second.Attribute("MessageID"));
        Assert.Equal(1, ReportPosting.Scalar(host, "SELECT COUNT(*) FROM InventoryReports WHERE MessageId = $id", ("$id", header.Id!)));
        Assert.Equal(1, ReportPosting.Scalar(host, "SELECT COUNT(*) FROM InventoryInstances i JOIN InventoryReports r ON r.Id = i.ReportId WHERE r.MessageId = $id", ("$id", header.Id!)));
        Assert.Contains(host.Logs, l => l.Category == ManagementPointLogCategories.Inventory && l.Message.StartsWith("Duplicate message " + header.Id, StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_unregistered_client_gets_an_empty_200_and_nothing_is_stored()
    {
        using var client = new TestClient("STRANGER");
        var smsId = SmsId.FromGuid(Guid.NewGuid());
        var header = ReportPosting.Header("MP_DdrEndpoint");

        var reply = await ReportPosting.PostAsync(host, CcmSigner.WriteSigned(header, ReportPosting.Report(smsId, "Inventory Data", "Full", Discovery, string.Empty), client.Key, smsId, client.NetbiosName));

        Assert.Null(reply);
        Assert.Equal(0, ReportPosting.Scalar(host, "SELECT COUNT(*) FROM InventoryReports WHERE SmsId = $s", ("$s", smsId)));
    }

    [Fact]
    public async Task A_ddr_with_attachment_byte_ranges_is_parsed_like_sccmhunter_sends_it()
    {
        using var client = new TestClient();
        var smsId = await ReportPosting.RegisterAsync(host, client);
        var headerOnly = ReportPosting.Utf16Chunk(ReportPosting.Report(smsId, "Inventory Data", "Full", Discovery, string.Empty).Replace("<ReportBody></ReportBody>", "<ReportBody />", StringComparison.Ordinal));
        var fullReport = ReportPosting.Report(smsId, "Inventory Data", "Full", Discovery,
            ReportPosting.Instance("CCM_DiscoveryData", "<PlatformID>Microsoft Windows NT Workstation 2010.0</PlatformID>")
            + ReportPosting.Instance("CCM_ComputerSystem", "<Domain>contoso.com</Domain>"));
        var full = ReportPosting.Utf16Chunk(fullReport);
        byte[] payloadPart;
        using (var output = new MemoryStream())
        {
            using (var zlib = new ZLibStream(output, CompressionLevel.Optimal, leaveOpen: true))
            {
                zlib.Write([.. headerOnly, .. full]);
            }

            payloadPart = output.ToArray();
        }

        // Lengths as sccmhunter computes them: attachments exclude NUL+CRLF, the body excludes only the CRLF.
        var header = ReportPosting.Header("MP_DdrEndpoint") with
        {
            SourceId = smsId,
            BodyOffset = headerOnly.Length,
            BodyLength = full.Length - 2,
            ZlibCompressHook = true,
            ClientAuth = ClientAuthHook.Create(client.Key, client.NetbiosName, smsId, payloadPart, CcmSignatureStyle.Reversed),
        };
        var msg = XElement.Parse(header.ToXml());
        msg.AddFirst(
            new XElement("Attachment", new XAttribute("Type", "ByteRange"), new XAttribute("Length", headerOnly.Length - 4), new XAttribute("Name", "403838f7-69bb-43d5-8362-28a5755b97b5"), new XAttribute("Offset", 0)),
            new XElement("Attachment", new XAttribute("Length", full.Length - 4), new XAttribute("Offset", headerOnly.Length)));

        var ack = await ReportPosting.PostAsync(host, CcmMessageWriter.WriteEncoded(msg.ToString(SaveOptions.DisableFormatting), payloadPart));

        Assert.NotNull(ack);
        var id = ("$id", (object)header.Id!);
        Assert.Equal(2, ReportPosting.Scalar(host, "SELECT AttachmentCount FROM InventoryReports WHERE MessageId = $id", id));
        Assert.Equal(2, ReportPosting.Scalar(host, "SELECT InstanceCount FROM InventoryReports WHERE MessageId = $id", id));
        Assert.Equal("403838f7-69bb-43d5-8362-28a5755b97b5", ReportPosting.Text(host, "SELECT a.Name FROM InventoryAttachments a JOIN InventoryReports r ON r.Id = a.ReportId WHERE r.MessageId = $id AND a.Ordinal = 0", id));
        Assert.Equal(fullReport, ReportPosting.Text(host, "SELECT a.Content FROM InventoryAttachments a JOIN InventoryReports r ON r.Id = a.ReportId WHERE r.MessageId = $id AND a.Ordinal = 1", id));
        Assert.Contains("Workstation 2010.0", ReportPosting.Text(host, "SELECT i.Properties FROM InventoryInstances i JOIN InventoryReports r ON r.Id = i.ReportId WHERE r.MessageId = $id AND i.Class = 'CCM_DiscoveryData'", id), StringComparison.Ordinal);
        Assert.DoesNotContain(host.Logs, l => l.Level >= LogLevel.Error);
    }
}
