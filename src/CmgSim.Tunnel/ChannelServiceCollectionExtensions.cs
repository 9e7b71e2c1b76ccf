using CmgSim.Tunnel.CloudSide;
using CmgSim.Tunnel.ConnectionPointSide;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

public static class ChannelServiceCollectionExtensions
{
    /// <summary>Adds the VM instance side of the channels: the registry of connection points and their channels.</summary>
    public static IServiceCollection AddChannelRegistry(this IServiceCollection services, Action<ChannelClientOptions>? configure = null)
    {
        var options = services.AddOptions<ChannelClientOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ChannelRegistry>();
        return services;
    }

    /// <summary>
    /// Adds the connection point side: Kestrel listens on <c>UriEndPoint</c>s (the VM instances' channel
    /// URLs) by dialing channels out. Register after Kestrel so this transport wins for URI endpoints.
    /// </summary>
    public static IServiceCollection AddChannelDialer(this IServiceCollection services, Action<ChannelDialerOptions> configure)
    {
        services.AddOptions<ChannelDialerOptions>().Configure(configure).Validate(
            static o => o.Publication is not null && o.ChannelsPerInstance > 0 && o.ReconnectDelay > TimeSpan.Zero && o.MaxReconnectDelay >= o.ReconnectDelay,
            "ChannelDialerOptions needs a Publication, ChannelsPerInstance > 0 and 0 < ReconnectDelay <= MaxReconnectDelay.");
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ChannelStatus>();
        services.TryAddSingleton<ChannelTargets>();
        services.AddSingleton<IConnectionListenerFactory, ChannelConnectionListenerFactory>();
        return services;
    }
}
