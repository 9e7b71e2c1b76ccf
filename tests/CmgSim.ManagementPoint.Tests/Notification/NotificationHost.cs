using System.Net;
using CmgSim.ManagementPoint.Notification;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CmgSim.ManagementPoint.Tests.Notification;

/// <summary>A plain-HTTP Kestrel MP with a short long-poll, so timeouts are testable.</summary>
public sealed class NotificationHost : IAsyncLifetime
{
    public static readonly TimeSpan ContinueTimeout = TimeSpan.FromSeconds(1);

    private WebApplication? _app;

    public HttpClient Client { get; private set; } = null!;

    public IClientNotificationService Notifications { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        builder.Services.AddManagementPoint();
        builder.Services.Configure<NotificationOptions>(o => o.ContinueTimeout = ContinueTimeout);
        _app = builder.Build();
        _app.MapManagementPoint();
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Client = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(30) };
        Notifications = _app.Services.GetRequiredService<IClientNotificationService>();
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
