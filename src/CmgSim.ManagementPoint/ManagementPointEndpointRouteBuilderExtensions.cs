using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using CmgSim.ManagementPoint.Authority;
using CmgSim.ManagementPoint.CcmMessaging;

namespace CmgSim.ManagementPoint;

public static class ManagementPointEndpointRouteBuilderExtensions
{
    /// <summary>The <c>getauth.dll</c> handler path (client-protocols §1).</summary>
    public const string SmsAutPath = "/SMS_MP/.sms_aut";

    /// <summary>The anonymous CcmMessaging path (client-protocols §2.1).</summary>
    public const string CcmSystemRequestPath = "/ccm_system/request";

    public const string CcmPostMethod = "CCM_POST";

    /// <summary>
    /// Maps <c>GET /SMS_MP/.sms_aut?&lt;KEYWORD&gt;</c> and <c>CCM_POST /ccm_system/request</c>.
    /// Returns the group so the host can add conventions (host filters, authorization, …).
    /// </summary>
    public static RouteGroupBuilder MapManagementPoint(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var group = endpoints.MapGroup(string.Empty);
        group.MapGet(SmsAutPath, context => context.RequestServices.GetRequiredService<SmsAutEndpoint>().HandleAsync(context))
            .WithDisplayName("MP .sms_aut");
        group.MapMethods(CcmSystemRequestPath, [CcmPostMethod], context => context.RequestServices.GetRequiredService<CcmRequestEndpoint>().HandleAsync(context))
            .WithDisplayName("MP CCM_POST ccm_system");
        return group;
    }
}
