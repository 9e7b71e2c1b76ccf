using CmgSim.ManagementPoint.Tests.Inventory;
using CmgSim.Messaging.Signing;

namespace CmgSim.ManagementPoint.Tests.StateMessages;

public sealed class RelayEndpointTests(ManagementPointHost host) : IClassFixture<ManagementPointHost>
{
    private static string StateMessage(string updateId, int topicType, int stateId, int serial) =>
        $"<StateMessage MessageTime=\"20260101120000.000+000\" SerialNumber=\"{serial}\"><Topic ID=\"{updateId}\" Type=\"{topicType}\" IDType=\"3\" User=\"\" UserSID=\"\"/>"
        + $"<State ID=\"{stateId}\" Criticality=\"0\"/><UserParameters Flags=\"0\" Count=\"1\"><Param>200</Param></UserParameters></StateMessage>";

    [Fact]
    public async Task Update_compliance_state_messages_are_stored_with_topic_and_state_ids()
    {
        using var client = new TestClient();
        var smsId = await ReportPosting.RegisterAsync(host, client);
        var required = Guid.NewGuid().ToString();
        var installed = Guid.NewGuid().ToString();
        var header = ReportPosting.Header("MP_RelayEndpoint");
        var body = ReportPosting.Report(smsId, "State Message Data", "Full", "{00000000-0000-0000-0000-000000000000}",
            StateMessage(required, 500, 2, 232) + StateMessage(installed, 501, 3, 233));

        var ack = await ReportPosting.PostAsync(host, CcmSigner.WriteSigned(header, body, client.Key, smsId, client.NetbiosName));

        Assert.NotNull(ack);
        Assert.Equal(1, ReportPosting.Scalar(host, "SELECT COUNT(*) FROM RelayMessages WHERE MessageId = $id AND SmsId = $s AND StateCount = 2", ("$id", header.Id!), ("$s", smsId)));
        Assert.Equal(1, ReportPosting.Scalar(host, "SELECT COUNT(*) FROM StateMessages WHERE TopicId = $t AND TopicType = 500 AND TopicIdType = 3 AND StateId = 2 AND SerialNumber = 232 AND SmsId = $s", ("$t", required), ("$s", smsId)));
        Assert.Equal(1, ReportPosting.Scalar(host, "SELECT COUNT(*) FROM StateMessages WHERE TopicId = $t AND TopicType = 501 AND StateId = 3", ("$t", installed)));
        Assert.Equal("[\"200\"]", ReportPosting.Text(host, "SELECT UserParameters FROM StateMessages WHERE TopicId = $t", ("$t", required)));
    }

    [Fact]
    public async Task A_status_message_is_stored()
    {
        using var client = new TestClient();
        var smsId = await ReportPosting.RegisterAsync(host, client);
        var header = ReportPosting.Header("MP_RelayEndpoint");
        var body = ReportPosting.Report(smsId, "Status Message Data", "Full", "{00000000-0000-0000-0000-000000000000}",
            "<StatusMessage ModuleName=\"SMS Client\" Component=\"Software Updates Agent\" MessageID=\"10002\" Severity=\"Informational\"><Property Name=\"InsertionString\">x</Property></StatusMessage>");

        var ack = await ReportPosting.PostAsync(host, CcmSigner.WriteSigned(header, body, client.Key, smsId, client.NetbiosName));

        Assert.NotNull(ack);
        Assert.Equal(1, ReportPosting.Scalar(host, "SELECT COUNT(*) FROM StatusMessages s JOIN RelayMessages r ON r.Id = s.RelayId WHERE r.MessageId = $id AND s.StatusMessageId = 10002 AND s.Component = 'Software Updates Agent'", ("$id", header.Id!)));
    }

    [Fact]
    public async Task A_retried_relay_message_is_stored_once()
    {
        using var client = new TestClient();
        var smsId = await ReportPosting.RegisterAsync(host, client);
        var update = Guid.NewGuid().ToString();
        var header = ReportPosting.Header("MP_RelayEndpoint");
        var post = CcmSigner.WriteSigned(header, ReportPosting.Report(smsId, "State Message Data", "Full", "{00000000-0000-0000-0000-000000000000}", StateMessage(update, 500, 1, 7)), client.Key, smsId, client.NetbiosName);

        Assert.NotNull(await ReportPosting.PostAsync(host, post));
        Assert.NotNull(await ReportPosting.PostAsync(host, post));

        Assert.Equal(1, ReportPosting.Scalar(host, "SELECT COUNT(*) FROM RelayMessages WHERE MessageId = $id", ("$id", header.Id!)));
        Assert.Equal(1, ReportPosting.Scalar(host, "SELECT COUNT(*) FROM StateMessages WHERE TopicId = $t", ("$t", update)));
        Assert.Contains(host.Logs, l => l.Category == ManagementPointLogCategories.StateMessages && l.Message.StartsWith("Duplicate relay message " + header.Id, StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_unregistered_client_is_refused()
    {
        using var client = new TestClient("STRANGER");
        var smsId = SmsId.FromGuid(Guid.NewGuid());
        var header = ReportPosting.Header("MP_RelayEndpoint");

        var reply = await ReportPosting.PostAsync(host, CcmSigner.WriteSigned(header, ReportPosting.Report(smsId, "State Message Data", "Full", "{00000000-0000-0000-0000-000000000000}", StateMessage(Guid.NewGuid().ToString(), 500, 2, 1)), client.Key, smsId, client.NetbiosName));

        Assert.Null(reply);
        Assert.Equal(0, ReportPosting.Scalar(host, "SELECT COUNT(*) FROM RelayMessages WHERE SmsId = $s", ("$s", smsId)));
    }
}
