using System.Net;
using CmgSim.Client;
using CmgSim.Core.Errors;

namespace CmgSim.FunctionalTests.Capacity;

/// <summary>
/// The connection point's local ports toward the MP (cmg-facts §4.5): one per forwarded request in flight, and a
/// client's notification poll holds one for as long as the MP holds it.
/// </summary>
public sealed class SiteRolePortBudgetTests
{
    [Fact]
    public async Task ThreeHeldNotificationPolls_UseABudgetOfThree_TheNextRequestGets503_UntilOnePollEnds()
    {
        await using var running = await TestLab.StartWithLogsAsync(static o => o.SiteRolePortBudget = 3);
        var lab = running.Lab;
        var certificate = lab.Pki.Clients[0].Certificate;
        using var http = new HttpClient(CmgClientHttp.CreateHandler(certificate, lab.Pki.RootCa, null, null)) { Timeout = Timeout.InfiniteTimeSpan };
        using var admin = new HttpClient(CmgClientHttp.CreateHandler(certificate, lab.Pki.RootCa, null, null)) { BaseAddress = lab.ManagementPointUrl };
        using var client = TestLab.CreateClient(lab, certificate);
        var mpList = TestLab.MpPath(lab, "/SMS_MP/.sms_aut?MPLIST");
        var channels = new List<NotificationChannel>();
        try
        {
            for (var i = 1; i <= 3; i++)
            {
                var channel = new NotificationChannel(http, new Uri(lab.PublicUrl, TestLab.MpPath(lab, string.Empty)), $"GUID:9B1DEB4D-3B7D-4BAD-9BDD-2B0D7B3DCB{i:00}", $"CLIENT{i:00}", TimeProvider.System);
                channels.Add(channel);
                await channel.StartAsync();
                await TestLab.EventuallyAsync(
                    async () => (await admin.GetStringAsync("/cmgsim/notify")).Contains($"\"waiting\":{i}", StringComparison.Ordinal),
                    TimeSpan.FromSeconds(10),
                    $"{i} polls are held on the MP");
            }

            Assert.Equal(3, lab.ConnectionPoints[0]!.SiteRolePortsInUse);
            using (var refused = await client.GetAsync(mpList))
            {
                TestLab.AssertCmgError(refused, HttpStatusCode.ServiceUnavailable, CmgErrorInfo.ServiceUnavailableCode);
            }

            var line = await running.Logs.WaitForAsync(static r => r.Message.Contains("no local port available", StringComparison.Ordinal), TimeSpan.FromSeconds(5), "the connection point says why");
            Assert.StartsWith("CmgSim.ConnectionPoint", line.Category, StringComparison.Ordinal);
            Assert.Contains("forwarding proxy message to URL https://", line.Message, StringComparison.Ordinal);
            Assert.Contains("/SMS_MP/.sms_aut?MPLIST failed: no local port available to connect to MP01.contoso.com (port budget 3 exhausted, 3 in use)", line.Message, StringComparison.Ordinal);

            // One client goes away: its poll ends and gives its port back.
            await channels[0].DisposeAsync();
            channels.RemoveAt(0);
            await TestLab.EventuallyAsync(
                async () =>
                {
                    using var response = await client.GetAsync(mpList);
                    return response.StatusCode == HttpStatusCode.OK;
                },
                TimeSpan.FromSeconds(10),
                "a freed port serves the next request");
        }
        finally
        {
            foreach (var channel in channels)
            {
                await channel.DisposeAsync();
            }
        }
    }
}
