using System.Diagnostics;
using CmgSim.Core.Telemetry;
using CmgSim.Identity.Tokens;
using Microsoft.AspNetCore.Http;

namespace CmgSim.CloudService.TokenAuthentication;

/// <summary>
/// Checks the bearer token of a ServerAuth request on a VM instance. Without configured token
/// authentication every token is refused, as a CMG with no onboarded tenant and no site tokens would.
/// </summary>
internal sealed class BearerTokenAuthenticator(CloudTokenAuthentication? tokens = null)
{
    public async ValueTask<BearerTokenValidationResult?> AuthenticateAsync(HttpContext context)
    {
        if (tokens is null)
        {
            return null;
        }

        var header = context.Request.Headers.Authorization;
        var result = await tokens.Validator.ValidateAuthorizationAsync(header.Count == 0 ? null : header.ToString(), context.RequestAborted);
        if (result.IsValid)
        {
            Activity.Current?.SetTag(CmgSimTelemetry.TokenKindTag, result.Kind?.ToString());
        }

        return result;
    }

    public EntraOnboarding? FindTenant(Guid tenantId) =>
        tokens?.Tenants.FirstOrDefault(t => t.TenantId == tenantId);
}
