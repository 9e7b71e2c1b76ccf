using Microsoft.IdentityModel.Tokens;

namespace CmgSim.Identity.Tokens;

/// <summary>An Entra tenant the site has onboarded (Cloud Services → Entra tenants): whose tokens the CMG, CP and MP accept.</summary>
public sealed class OnboardedTenant
{
    public required Guid TenantId { get; init; }

    /// <summary>The exact <c>iss</c> of the tenant's tokens, e.g. <c>https://127.0.0.1:PORT/&lt;tid&gt;/v2.0</c>.</summary>
    public required string Issuer { get; init; }

    /// <summary>The OpenID metadata (<c>…/v2.0/.well-known/openid-configuration</c>) whose <c>jwks_uri</c> gives the signing keys.</summary>
    public Uri? MetadataAddress { get; init; }

    /// <summary>Fixed signing keys (with <c>KeyId</c>) instead of metadata, for tests.</summary>
    public IList<SecurityKey>? SigningKeys { get; init; }
}
