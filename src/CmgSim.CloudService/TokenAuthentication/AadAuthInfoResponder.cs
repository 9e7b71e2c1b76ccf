using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;

namespace CmgSim.CloudService.TokenAuthentication;

/// <summary>
/// <c>GET /CCM_Proxy_ServerAuth/AADAuthInfo?TenantID=&lt;guid&gt;</c>: ccmsetup without AAD properties asks the
/// CMG for <c>AADCLIENTAPPID</c> and <c>AADRESOURCEURI</c> of the device's tenant, which the CMG gives only
/// for a tenant the site onboarded (cmg-facts §2.3). The reply's format is not public [U]: JSON named after
/// the ccmsetup properties.
/// </summary>
internal static class AadAuthInfoResponder
{
    public const string Segment = "AADAuthInfo";

    public static async Task WriteAsync(HttpContext context, EntraOnboarding tenant)
    {
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/json; charset=utf-8";
        await JsonSerializer.SerializeAsync(
            context.Response.Body,
            new AadAuthInfo(tenant.TenantId.ToString("D"), tenant.ClientAppId.ToString("D"), tenant.AppIdUri),
            cancellationToken: context.RequestAborted);
    }

    private sealed record AadAuthInfo(
        [property: JsonPropertyName("AADTENANTID")] string TenantId,
        [property: JsonPropertyName("AADCLIENTAPPID")] string ClientAppId,
        [property: JsonPropertyName("AADRESOURCEURI")] string ResourceUri);
}
