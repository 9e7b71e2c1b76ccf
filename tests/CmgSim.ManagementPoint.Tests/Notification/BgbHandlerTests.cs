using System.Net;
using System.Text;
using System.Xml.Linq;
using CmgSim.ManagementPoint.Notification;
using Microsoft.Extensions.Options;

namespace CmgSim.ManagementPoint.Tests.Notification;

public sealed class BgbHandlerTests(NotificationHost host) : IClassFixture<NotificationHost>
{
    private static string NewSmsId() => "GUID:" + Guid.NewGuid().ToString().ToUpperInvariant();

    private async Task<(HttpStatusCode Status, XElement? Reply)> SendAsync(string requestType, XElement body, CancellationToken cancellationToken = default)
    {
        using var content = new StringContent(body.ToString(), Encoding.UTF8, "text/xml");
        using var response = await host.Client.PostAsync(NotificationEndpoints.HandlerPath + "?RequestType=" + requestType, content, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        return (response.StatusCode, response.StatusCode == HttpStatusCode.OK ? XElement.Parse(text) : null);
    }

    private async Task<string> LogInAsync(string smsId)
    {
        var (status, reply) = await SendAsync("LogIn", new XElement("BgbLogIn", new XAttribute("SMSID", smsId), new XAttribute("Host", "CLIENT01")));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("BgbLogInReply", reply!.Name.LocalName);
        Assert.Equal("1", (string?)reply.Attribute("ContinueTimeout"));
        return (string)reply.Attribute("SessionID")!;
    }

    private Task<(HttpStatusCode Status, XElement? Reply)> ContinueAsync(string smsId, string sessionId, CancellationToken cancellationToken = default) =>
        SendAsync("Continue", new XElement("BgbContinue", new XAttribute("SMSID", smsId), new XAttribute("SessionID", sessionId)), cancellationToken);

    private static async Task WaitUntilAsync(Func<bool> condition, string because)
    {
        var started = TimeProvider.System.GetTimestamp();
        while (!condition())
        {
            Assert.True(TimeProvider.System.GetElapsedTime(started) < TimeSpan.FromSeconds(5), because);
            await Task.Delay(TimeSpan.FromMilliseconds(10), TimeProvider.System);
        }
    }

    [Fact]
    public async Task LogIn_Continue_LogOut_round_trip()
    {
        var smsId = NewSmsId();
        var session = await LogInAsync(smsId);
        Assert.True(host.Notifications.IsConnected(smsId));

        Assert.Equal(NotificationPushResult.Queued, await host.Notifications.PushAsync(smsId, new NotificationTask(NotificationTaskType.RequestMachinePolicy, "<Param/>")));
        var (status, tasks) = await ContinueAsync(smsId, session);

        Assert.Equal(HttpStatusCode.OK, status);
        var task = Assert.Single(tasks!.Elements("Task"));
        Assert.Equal("1", (string?)task.Attribute("Type"));
        Assert.Equal("RequestMachinePolicy", (string?)task.Attribute("Name"));
        Assert.Equal("<Param/>", Encoding.UTF8.GetString(Convert.FromBase64String((string)task.Attribute("TaskParam")!)));

        var (logOut, reply) = await SendAsync("LogOut", new XElement("BgbLogOut", new XAttribute("SMSID", smsId), new XAttribute("SessionID", session)));
        Assert.Equal(HttpStatusCode.OK, logOut);
        Assert.Equal("BgbLogOutReply", reply!.Name.LocalName);
        Assert.False(host.Notifications.IsConnected(smsId));
        Assert.Equal(NotificationPushResult.NotConnected, await host.Notifications.PushAsync(smsId, new NotificationTask(NotificationTaskType.RequestMachinePolicy)));
        Assert.Equal(HttpStatusCode.Gone, (await ContinueAsync(smsId, session)).Status);
    }

    [Fact]
    public async Task A_push_reaches_a_waiting_client_within_a_second()
    {
        var smsId = NewSmsId();
        var session = await LogInAsync(smsId);
        var waitingBefore = host.Notifications.WaitingCount;
        var poll = ContinueAsync(smsId, session);
        await WaitUntilAsync(() => host.Notifications.WaitingCount > waitingBefore, "the poll is held");

        var pushed = TimeProvider.System.GetTimestamp();
        await host.Notifications.PushAsync(smsId, new NotificationTask(NotificationTaskType.RunScript));
        var (status, tasks) = await poll;
        var elapsed = TimeProvider.System.GetElapsedTime(pushed);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("15", (string?)Assert.Single(tasks!.Elements("Task")).Attribute("Type"));
        Assert.True(elapsed < TimeSpan.FromMilliseconds(900), $"took {elapsed}");
    }

    [Fact]
    public async Task A_poll_with_nothing_to_deliver_answers_empty_at_its_timeout()
    {
        var smsId = NewSmsId();
        var session = await LogInAsync(smsId);

        var started = TimeProvider.System.GetTimestamp();
        var (status, tasks) = await ContinueAsync(smsId, session);
        var elapsed = TimeProvider.System.GetElapsedTime(started);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("BgbTasks", tasks!.Name.LocalName);
        Assert.Empty(tasks.Elements());
        Assert.InRange(elapsed, NotificationHost.ContinueTimeout - TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(5));
        Assert.True(host.Notifications.IsConnected(smsId), "a timed-out poll keeps the session");
    }

    [Fact]
    public async Task A_client_that_disconnects_while_polling_frees_its_slot()
    {
        var smsId = NewSmsId();
        var session = await LogInAsync(smsId);
        using var hangUp = new CancellationTokenSource();
        var poll = ContinueAsync(smsId, session, hangUp.Token);
        await WaitUntilAsync(() => host.Notifications.WaitingCount > 0, "the poll is held");

        await hangUp.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => poll);

        // The host is shared with other tests running at the same time, so the global counts are not
        // asserted here; this client's own session must be gone.
        await WaitUntilAsync(() => !host.Notifications.IsConnected(smsId), "the session ends when the client hangs up");
    }

    [Fact]
    public async Task A_second_poll_answers_the_first_one_empty()
    {
        var smsId = NewSmsId();
        var session = await LogInAsync(smsId);
        var first = ContinueAsync(smsId, session);
        await WaitUntilAsync(() => host.Notifications.WaitingCount > 0, "the first poll is held");
        var second = ContinueAsync(smsId, session);

        var (status, tasks) = await first;
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Empty(tasks!.Elements());
        await host.Notifications.PushAsync(smsId, new NotificationTask(NotificationTaskType.RequestUserPolicy));
        Assert.Single((await second).Reply!.Elements("Task"));
    }

    [Theory]
    [InlineData("LogIn", "<BgbLogIn SMSID=\"CLIENT01\" Host=\"CLIENT01\"/>")]
    [InlineData("LogIn", "<BgbLogIn SMSID=\"GUID:7D2B9A41-0000-4000-8000-000000000001\" Host=\"bad host!\"/>")]
    [InlineData("LogIn", "<BgbLogIn SMSID=\"GUID:7D2B9A41-0000-4000-8000-000000000001\"/>")]
    [InlineData("Continue", "<BgbLogIn SMSID=\"GUID:7D2B9A41-0000-4000-8000-000000000001\" Host=\"CLIENT01\"/>")]
    [InlineData("Ping", "<BgbLogIn SMSID=\"GUID:7D2B9A41-0000-4000-8000-000000000001\" Host=\"CLIENT01\"/>")]
    [InlineData("LogIn", "not xml")]
    public async Task Malformed_requests_get_400(string requestType, string body)
    {
        using var content = new StringContent(body, Encoding.UTF8, "text/xml");
        using var response = await host.Client.PostAsync(NotificationEndpoints.HandlerPath + "?RequestType=" + requestType, content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task The_admin_endpoint_pushes_by_name_and_reports_counts()
    {
        var smsId = NewSmsId();
        var session = await LogInAsync(smsId);

        using var unknownTask = await host.Client.PostAsync($"{NotificationEndpoints.AdminPath}/{Uri.EscapeDataString(smsId)}?task=Reboot", null);
        using var notConnected = await host.Client.PostAsync($"{NotificationEndpoints.AdminPath}/{Uri.EscapeDataString(NewSmsId())}?task=RequestMachinePolicy", null);
        using var queued = await host.Client.PostAsync($"{NotificationEndpoints.AdminPath}/{Uri.EscapeDataString(smsId)}?task=RequestMachinePolicy", null);
        var status = System.Text.Json.Nodes.JsonNode.Parse(await host.Client.GetStringAsync(NotificationEndpoints.AdminPath))!;

        Assert.Equal(HttpStatusCode.BadRequest, unknownTask.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, notConnected.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, queued.StatusCode);
        Assert.True((int)status["connected"]! >= 1);
        Assert.Equal("RequestMachinePolicy", (string?)Assert.Single((await ContinueAsync(smsId, session)).Reply!.Elements("Task")).Attribute("Name"));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(100)]
    public void A_continue_timeout_outside_the_proxy_activity_timeout_is_refused(int seconds)
    {
        var result = new NotificationOptionsValidator().Validate(Options.DefaultName, new NotificationOptions { ContinueTimeout = TimeSpan.FromSeconds(seconds) });

        Assert.True(result.Failed);
        Assert.Contains("ContinueTimeout", result.FailureMessage, StringComparison.Ordinal);
    }
}
