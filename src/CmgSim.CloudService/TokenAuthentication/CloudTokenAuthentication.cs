using CmgSim.Identity.Tokens;

namespace CmgSim.CloudService.TokenAuthentication;

/// <summary>
/// Token authentication of the ServerAuth URLs: the validator (Entra tokens of the onboarded tenants,
/// site tokens signed by the site's token-signing certificate) and the tenants the site onboarded,
/// which <c>AADAuthInfo</c> hands to ccmsetup.
/// </summary>
public sealed class CloudTokenAuthentication
{
    public CloudTokenAuthentication(BearerTokenValidator validator, IReadOnlyList<EntraOnboarding> tenants)
    {
        ArgumentNullException.ThrowIfNull(validator);
        ArgumentNullException.ThrowIfNull(tenants);
        Validator = validator;
        Tenants = tenants;
    }

    public BearerTokenValidator Validator { get; }

    public IReadOnlyList<EntraOnboarding> Tenants { get; }
}

/// <summary>A Microsoft Entra tenant onboarded to the site (Cloud Management Azure service), with its two app registrations.</summary>
/// <param name="ClientAppId">The client app, ccmsetup's <c>AADCLIENTAPPID</c>.</param>
/// <param name="AppIdUri">The server app's App ID URI, the token audience and ccmsetup's <c>AADRESOURCEURI</c>.</param>
public sealed record EntraOnboarding(Guid TenantId, Guid ClientAppId, string AppIdUri);
