using System.Net;
using CmgSim.Core.Errors;

namespace CmgSim.FunctionalTests;

/// <summary>Outages along the path: each test stops and restarts roles, so each has a topology of its own.</summary>
public sealed class ResilienceTests
{
    private static readonly TimeSpan FailFast = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task ConnectionPointRestart_ChannelComesBackByItself()
    {
        await using var running = await TestLab.StartWithLogsAsync();
        var lab = running.Lab;
        using var client = TestLab.CreateClient(lab, lab.Pki.Clients[0].Certificate);
        var mpList = TestLab.MpPath(lab, "/SMS_MP/.sms_aut?MPLIST");
        using (var before = await client.GetAsync(mpList))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        await lab.StopConnectionPointAsync(0);
        var (down, elapsed) = await TestLab.TimedSendAsync(client, new HttpRequestMessage(HttpMethod.Get, mpList));
        using (down)
        {
            TestLab.AssertCmgError(down, HttpStatusCode.ServiceUnavailable, CmgErrorInfo.ServiceUnavailableCode);
            Assert.True(elapsed < FailFast, $"The request without a channel took {elapsed}.");
        }

        await lab.StartConnectionPointAsync(0);
        await lab.WaitForChannelsAsync(TimeSpan.FromSeconds(10));

        using var after = await client.GetAsync(mpList);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    [Fact]
    public async Task NoChannel_RequestsToEveryRole_FailFastWith503()
    {
        await using var running = await TestLab.StartWithLogsAsync();
        var lab = running.Lab;
        using var client = TestLab.CreateClient(lab, lab.Pki.Clients[0].Certificate);

        await lab.StopConnectionPointAsync(0);
        var channels = Assert.Single(Assert.Single(lab.Instances).Channels.ConnectionPoints);
        await TestLab.EventuallyAsync(() => Task.FromResult(channels.OpenChannels == 0), TimeSpan.FromSeconds(5), "the VM instance sees the connection point's channels close");
        var before = running.Logs.Records.Count;

        // Several at once, to both roles: none may queue for a channel that is not coming.
        var results = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => TestLab.TimedSendAsync(client, new HttpRequestMessage(
            HttpMethod.Get,
            i % 2 == 0 ? TestLab.MpPath(lab, "/SMS_MP/.sms_aut?MPLIST") : TestLab.SupPath(lab, "/ClientWebService/client.asmx")))));

        Assert.All(results, r =>
        {
            using var response = r.Response;
            TestLab.AssertCmgError(response, HttpStatusCode.ServiceUnavailable, CmgErrorInfo.ServiceUnavailableCode);
            Assert.True(r.Elapsed < FailFast, $"A request without a channel took {r.Elapsed}.");
        });
        await running.Logs.WaitForAsync(
            r => r.Category.EndsWith("CmgForwardingHandler", StringComparison.Ordinal) && r.Message.Contains($"503 {CmgErrorInfo.ServiceUnavailableCode}", StringComparison.Ordinal),
            TimeSpan.FromSeconds(5),
            "from the cloud service explaining the 503",
            since: before);
    }

    [Fact]
    public async Task ManagementPointDown_FailsQuicklyWithCmgCode_AndRecoversAfterRestart()
    {
        await using var running = await TestLab.StartWithLogsAsync();
        var lab = running.Lab;
        using var client = TestLab.CreateClient(lab, lab.Pki.Clients[0].Certificate);
        var mpList = TestLab.MpPath(lab, "/SMS_MP/.sms_aut?MPLIST");
        using (var before = await client.GetAsync(mpList))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        await lab.StopManagementPointAsync();

        // Enough failures to open the connection point's circuit: before it opens 502, after it 503.
        for (var i = 0; i < 7; i++)
        {
            var (response, elapsed) = await TestLab.TimedSendAsync(client, new HttpRequestMessage(HttpMethod.Get, mpList));
            using (response)
            {
                var code = response.StatusCode switch
                {
                    HttpStatusCode.BadGateway => CmgErrorInfo.BadGatewayCode,
                    HttpStatusCode.ServiceUnavailable => CmgErrorInfo.ServiceUnavailableCode,
                    var other => throw new Xunit.Sdk.XunitException($"Request {i} with the MP down answered {(int)other} {response.ReasonPhrase}."),
                };
                TestLab.AssertCmgError(response, response.StatusCode, code);
                Assert.True(elapsed < FailFast, $"Request {i} with the MP down took {elapsed}.");
            }
        }

        var reason = await running.Logs.WaitForAsync(
            r => r.Category.EndsWith("SiteRoleForwarder", StringComparison.Ordinal) && r.Message.StartsWith("Web exception for message ", StringComparison.Ordinal),
            TimeSpan.FromSeconds(5),
            "from the connection point about the unreachable MP");
        Assert.Contains(lab.ManagementPointUrl.GetLeftPart(UriPartial.Authority) + "/SMS_MP/.sms_aut?MPLIST", reason.Message, StringComparison.Ordinal);

        await lab.StartManagementPointAsync();

        await TestLab.EventuallyAsync(
            async () =>
            {
                using var response = await client.GetAsync(mpList);
                return response.StatusCode == HttpStatusCode.OK;
            },
            TimeSpan.FromSeconds(10),
            "requests reach the restarted MP");
    }
}
