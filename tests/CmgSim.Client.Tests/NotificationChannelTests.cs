using System.Net;
using CmgSim.ManagementPoint;
using CmgSim.ManagementPoint.Notification;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CmgSim.Client.Tests;

/// <summary>The client's notification channel against a real MP holding polls for one second.</summary>
public sealed class NotificationChannelTests : IAsyncLifetime
{
    private WebApplication? _app;
    private Uri _mp = null!;
    private IClientNotificationService _notifications = null!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        builder.Services.AddManagementPoint();
        builder.Services.Configure<NotificationOptions>(o => o.ContinueTimeout = TimeSpan.FromSeconds(1));
        _app = builder.Build();
        _app.MapManagementPoint();
        await _app.StartAsync();
        _mp = new Uri(_app.Urls.First());
        _notifications = _app.Services.GetRequiredService<IClientNotificationService>();
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }

    [Fact]
    public async Task Pushed_tasks_arrive_across_empty_polls_and_dispose_logs_out()
    {
        const string smsId = "GUID:3F2504E0-4F89-41D3-9A0C-0305E82C3301";
        using var http = new HttpClient();
        var channel = new NotificationChannel(http, _mp, smsId, "CLIENT01", TimeProvider.System);
        await channel.StartAsync();
        Assert.True(_notifications.IsConnected(smsId));

        // Longer than two holds: the channel must keep re-polling on the same session.
        await Task.Delay(TimeSpan.FromSeconds(2.5), TimeProvider.System);
        var pushed = TimeProvider.System.GetTimestamp();
        Assert.Equal(NotificationPushResult.Queued, await _notifications.PushAsync(smsId, new NotificationTask(NotificationTaskType.RequestMachinePolicy, "<Policy/>")));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var task = await channel.Tasks.ReadAsync(timeout.Token);
        var elapsed = TimeProvider.System.GetElapsedTime(pushed);

        Assert.Equal(1, task.Type);
        Assert.Equal("RequestMachinePolicy", task.Name);
        Assert.Equal("<Policy/>", task.TaskParam);
        Assert.True(elapsed < TimeSpan.FromMilliseconds(900), $"took {elapsed}");
        Assert.Equal(1, channel.LogIns);

        await channel.DisposeAsync();
        Assert.False(_notifications.IsConnected(smsId));
        Assert.True(channel.Tasks.Completion.IsCompleted);
    }
}
