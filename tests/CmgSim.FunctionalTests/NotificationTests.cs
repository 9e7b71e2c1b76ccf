using System.Net;
using CmgSim.Client;

namespace CmgSim.FunctionalTests;

/// <summary>Client notification through the whole CMG path: the client's long-poll is held on the MP behind the CMG.</summary>
public sealed class NotificationTests
{
    [Fact]
    public async Task A_push_from_the_mp_reaches_a_client_polling_through_the_cmg_within_a_second()
    {
        await using var lab = await TestLab.StartAsync();
        var certificate = lab.Pki.Clients[0].Certificate;
        // The MP holds a poll for 60 s by default: longer than TestLab's 30 s client timeout.
        using var http = new HttpClient(CmgClientHttp.CreateHandler(certificate, lab.Pki.RootCa, null, null)) { Timeout = Timeout.InfiniteTimeSpan };
        using var admin = new HttpClient(CmgClientHttp.CreateHandler(certificate, lab.Pki.RootCa, null, null)) { BaseAddress = lab.ManagementPointUrl };
        const string smsId = "GUID:9B1DEB4D-3B7D-4BAD-9BDD-2B0D7B3DCB6D";
        var channel = new NotificationChannel(http, new Uri(lab.PublicUrl, TestLab.MpPath(lab, string.Empty)), smsId, "CLIENT01", TimeProvider.System);
        await using (channel)
        {
            await channel.StartAsync();
            // Let the first Continue reach the MP and wait there.
            await TestLab.EventuallyAsync(
                async () => (await admin.GetStringAsync("/cmgsim/notify")).Contains("\"waiting\":1", StringComparison.Ordinal),
                TimeSpan.FromSeconds(10),
                "the client's poll is held on the MP");

            var pushed = TimeProvider.System.GetTimestamp();
            using var response = await admin.PostAsync($"/cmgsim/notify/{Uri.EscapeDataString(smsId)}?task=RequestMachinePolicy", null);
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            var task = await channel.Tasks.ReadAsync(timeout.Token);
            var elapsed = TimeProvider.System.GetElapsedTime(pushed);

            Assert.Equal("RequestMachinePolicy", task.Name);
            Assert.True(elapsed < TimeSpan.FromSeconds(1), $"took {elapsed}");
        }

        // Disposing logged out.
        Assert.Contains("\"connected\":0", await admin.GetStringAsync("/cmgsim/notify"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_admin_endpoint_is_not_reachable_through_the_cmg()
    {
        await using var lab = await TestLab.StartAsync();
        using var client = TestLab.CreateClient(lab, lab.Pki.Clients[0].Certificate);

        using var response = await client.GetAsync(TestLab.MpPath(lab, "/cmgsim/notify"));

        Assert.NotEqual(HttpStatusCode.OK, response.StatusCode);
    }
}
