using CmgSim.CloudService;
using CmgSim.CloudService.Capacity;
using CmgSim.CloudService.Channels;
using CmgSim.CloudService.ClientAuthentication;
using CmgSim.CloudService.Hosting;
using CmgSim.CloudService.Routing;
using CmgSim.CloudService.ServiceMetadata;
using CmgSim.CloudService.Statistics;
using CmgSim.CloudService.TokenAuthentication;
using CmgSim.Core;
using CmgSim.Tunnel;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

public static class CloudServiceExtensions
{
    /// <summary>Adds one CMG VM instance: URL filter, client authentication, channel registry and forwarding.</summary>
    /// <param name="tokens">Token authentication of ServerAuth URLs; null refuses every token.</param>
    public static IServiceCollection AddCloudService(this IServiceCollection services, Action<CloudServiceOptions> configure, CloudCertificateValidators validators, CloudTokenAuthentication? tokens = null)
    {
        services.AddOptions<CloudServiceOptions>()
            .Configure(configure)
            .ValidateDataAnnotations()
            .Validate(static o => o.PublishedEndpoints.Select(static e => e.EndpointId).Distinct().Count() == o.PublishedEndpoints.Count, "PublishedEndpoints has duplicate endpoint ids.")
            .Validate(static o => o.StatisticsInterval > TimeSpan.Zero, "StatisticsInterval must be positive.")
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(validators);
        services.AddHttpForwarder();
        services.AddChannelRegistry();
        services.AddMetrics();
        services.TryAddSingleton<PublishedUrlList>();
        services.TryAddSingleton<ClientCertificateAuthenticator>();
        if (tokens is not null)
        {
            services.AddSingleton(tokens);
        }

        services.TryAddSingleton<BearerTokenAuthenticator>();
        services.TryAddSingleton<ServiceMetadataResponder>();
        services.TryAddSingleton<ChannelEndpoints>();
        services.AddVmCapacity();
        services.TryAddSingleton<CmgForwardingHandler>();
        services.TryAddSingleton<CmgServiceStatistics>();
        services.AddHostedService(static sp => sp.GetRequiredService<CmgServiceStatistics>());
        return services;
    }

    /// <summary>
    /// Maps the client URLs (<c>/CCM_Proxy_MutualAuth/…</c>, <c>/CCM_Proxy_ServerAuth/…</c>) on the client
    /// listeners, the channel endpoints on the channel listener, and the capacity status
    /// (<c>/cmgsim/vm-status</c>) on the instance listener.
    /// </summary>
    public static IEndpointRouteBuilder MapCloudService(this IEndpointRouteBuilder endpoints)
    {
        var channels = endpoints.ServiceProvider.GetRequiredService<ChannelEndpoints>();
        var forwarding = endpoints.ServiceProvider.GetRequiredService<CmgForwardingHandler>();

        var channelGroup = endpoints.MapGroup(TunnelProtocol.ChannelPath).AddEndpointFilter(static async (context, next) =>
            IsOn(context.HttpContext, VmListenerKind.Channel) ? await next(context) : Results.NotFound());
        channelGroup.MapPost("/{connectionPoint}/" + TunnelProtocol.PublishSegment, (HttpContext context, string connectionPoint) => channels.PublishAsync(context, connectionPoint));
        channelGroup.MapPost("/{connectionPoint}", (HttpContext context, string connectionPoint) => channels.OpenChannelAsync(context, connectionPoint));

        RequestDelegate client = context => IsOn(context, VmListenerKind.Channel)
            ? Task.FromResult(context.Response.StatusCode = StatusCodes.Status404NotFound)
            : forwarding.HandleAsync(context);
        endpoints.Map(CmgPaths.MutualAuthPrefix + "/{**rest}", client);
        endpoints.Map(CmgPaths.ServerAuthPrefix + "/{**rest}", client);
        endpoints.MapVmStatus();
        return endpoints;
    }

    private static bool IsOn(HttpContext context, VmListenerKind kind) =>
        context.Features.Get<VmListenerFeature>()?.Kind == kind;
}
