using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace CmgSim.ManagementPoint.Notification;

/// <summary>Registration and routes of client notification; called from AddManagementPoint/MapManagementPoint.</summary>
public static class NotificationEndpoints
{
    /// <summary>The product's BGB notification server log is BGBServer.log.</summary>
    public const string LogCategory = "CmgSim.ManagementPoint.Notification";

    /// <summary>Under the MP's published <c>/BGB</c> application, so it is reachable through the CMG.</summary>
    public const string HandlerPath = "/bgb/handler.ashx";

    /// <summary>The simulator's admin trigger; not a published prefix, so only reachable on the MP itself.</summary>
    public const string AdminPath = "/cmgsim/notify";

    internal static IServiceCollection AddClientNotification(this IServiceCollection services)
    {
        services.AddOptions<NotificationOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<NotificationOptions>, NotificationOptionsValidator>());
        services.TryAddSingleton<ClientNotificationService>();
        services.TryAddSingleton<IClientNotificationService>(static sp => sp.GetRequiredService<ClientNotificationService>());
        services.TryAddSingleton<BgbHandlerEndpoint>();
        return services;
    }

    internal static void MapClientNotification(this IEndpointRouteBuilder group)
    {
        group.MapMethods(HandlerPath, [HttpMethods.Post], static context => context.RequestServices.GetRequiredService<BgbHandlerEndpoint>().HandleAsync(context))
            .WithDisplayName("MP BGB handler.ashx");
        group.MapPost(AdminPath + "/{smsId}", NotifyAdminEndpoint.PushAsync).WithDisplayName("CmgSim notify push");
        group.MapGet(AdminPath, NotifyAdminEndpoint.StatusAsync).WithDisplayName("CmgSim notify status");
    }
}
