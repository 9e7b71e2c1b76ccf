using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CmgSim.Core.Hosting;

/// <summary>What every role host (VM instance, connection point, MP, SUP) starts from.</summary>
public static class RoleHostBuilder
{
    /// <summary>
    /// A slim web host that logs through the process-wide <paramref name="loggerFactory"/> (console and
    /// CMTrace files shared by every role), reads time from <paramref name="timeProvider"/>, and lets
    /// in-flight requests drain for <paramref name="shutdownTimeout"/> when it stops.
    /// </summary>
    public static WebApplicationBuilder Create(ILoggerFactory? loggerFactory, TimeProvider timeProvider, TimeSpan shutdownTimeout)
    {
        var builder = WebApplication.CreateSlimBuilder();
        if (loggerFactory is not null)
        {
            builder.Logging.ClearProviders();
            builder.Services.AddSingleton(loggerFactory);
        }

        builder.Services.AddSingleton(timeProvider);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = shutdownTimeout);
        builder.WebHost.ConfigureKestrel(static kestrel => kestrel.AddServerHeader = false);
        return builder;
    }

    /// <summary>The addresses a started host bound, in the order its listeners were added.</summary>
    public static IReadOnlyList<Uri> BoundAddresses(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        return app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Select(static a => new Uri(a)).ToArray();
    }
}
