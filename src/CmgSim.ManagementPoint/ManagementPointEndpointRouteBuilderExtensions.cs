using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using CmgSim.ManagementPoint.Authority;
using CmgSim.ManagementPoint.CcmMessaging;
using CmgSim.ManagementPoint.Notification;
using CmgSim.ManagementPoint.Policy;
using CmgSim.ManagementPoint.SecurityTokenService;
using Microsoft.AspNetCore.Http;

namespace CmgSim.ManagementPoint;

public static class ManagementPointEndpointRouteBuilderExtensions
{
    /// <summary>The <c>getauth.dll</c> handler path (client-protocols §1).</summary>
    public const string SmsAutPath = "/SMS_MP/.sms_aut";

    /// <summary>The anonymous CcmMessaging path (client-protocols §2.1).</summary>
    public const string CcmSystemRequestPath = "/ccm_system/request";

    /// <summary>IIS Windows authentication (NTLM/Negotiate) path.</summary>
    public const string CcmSystemWindowsAuthRequestPath = "/ccm_system_windowsauth/request";

    /// <summary>HTTPS without a client certificate (2403+).</summary>
    public const string CcmSystemAltAuthRequestPath = "/ccm_system_altauth/request";

    /// <summary>CCM/Entra token path used through the CMG's ServerAuth prefix.</summary>
    public const string CcmSystemTokenAuthRequestPath = "/ccm_system_tokenauth/request";

    public const string CcmPostMethod = "CCM_POST";

    /// <summary>
    /// Maps <c>GET /SMS_MP/.sms_aut?&lt;KEYWORD&gt;</c> and <c>CCM_POST</c> on the four <c>/ccm_system*/request</c> paths.
    /// Returns the group so the host can add conventions (host filters, authorization, …).
    /// </summary>
    public static RouteGroupBuilder MapManagementPoint(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var group = endpoints.MapGroup(string.Empty);
        group.MapGet(SmsAutPath, context => context.RequestServices.GetRequiredService<SmsAutEndpoint>().HandleAsync(context))
            .WithDisplayName("MP .sms_aut");
        MapCcmPost(group, CcmSystemRequestPath, CcmAuthPath.Anonymous, "MP CCM_POST ccm_system");
        MapCcmPost(group, CcmSystemWindowsAuthRequestPath, CcmAuthPath.WindowsAuth, "MP CCM_POST ccm_system_windowsauth");
        MapCcmPost(group, CcmSystemAltAuthRequestPath, CcmAuthPath.AltAuth, "MP CCM_POST ccm_system_altauth");
        MapCcmPost(group, CcmSystemTokenAuthRequestPath, CcmAuthPath.TokenAuth, "MP CCM_POST ccm_system_tokenauth");
        group.MapMethods(CcmStsEndpoint.Path, [HttpMethods.Get, HttpMethods.Post], context => context.RequestServices.GetRequiredService<CcmStsEndpoint>().HandleAsync(context))
            .WithDisplayName("MP CCM_STS");
        group.MapClientNotification();
        group.MapPolicy();
        return group;
    }

    private static void MapCcmPost(RouteGroupBuilder group, string path, CcmAuthPath authPath, string displayName) =>
        group.MapMethods(path, [CcmPostMethod], context => context.RequestServices.GetRequiredService<CcmRequestEndpoint>().HandleAsync(context, authPath))
            .WithDisplayName(displayName);
}
