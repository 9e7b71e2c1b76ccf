using CmgSim.ManagementPoint.CcmMessaging;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CmgSim.ManagementPoint.Policy;

/// <summary>Wires policy assignment and download into the MP (called from the MP's own extensions).</summary>
internal static class PolicyServiceRegistration
{
    /// <summary>The <c>getpolicy.dll</c> handler path (client-protocols §1, §3.3).</summary>
    public const string SmsPolPath = "/SMS_MP/.sms_pol";

    public static IServiceCollection AddManagementPointPolicy(this IServiceCollection services)
    {
        services.AddOptions<PolicyOptions>();
        services.TryAddSingleton<PolicyCatalog>();
        services.TryAddSingleton<PolicyBodyEndpoint>();
        services.TryAddSingleton<PolicyAssignmentEndpoint>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ICcmMessageHandler, PolicyAssignmentEndpoint>(static sp => sp.GetRequiredService<PolicyAssignmentEndpoint>()));
        return services;
    }

    public static RouteGroupBuilder MapPolicy(this RouteGroupBuilder group)
    {
        group.MapGet(SmsPolPath, context => context.RequestServices.GetRequiredService<PolicyBodyEndpoint>().HandleAsync(context))
            .WithDisplayName("MP .sms_pol");
        return group;
    }
}
