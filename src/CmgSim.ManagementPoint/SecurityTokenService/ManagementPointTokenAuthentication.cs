using CmgSim.Identity.SiteTokens;
using CmgSim.Identity.Tokens;

namespace CmgSim.ManagementPoint.SecurityTokenService;

/// <summary>
/// What the MP needs for token clients: a validator for Entra and site tokens (the MP validates them
/// again, as the product's CCM_STS does, cmg-facts §2.3) and the site token service that issues CCM
/// tokens and site client tokens. Without it every token request is refused.
/// </summary>
public sealed class ManagementPointTokenAuthentication
{
    public ManagementPointTokenAuthentication(BearerTokenValidator validator, SiteTokenService siteTokens)
    {
        ArgumentNullException.ThrowIfNull(validator);
        ArgumentNullException.ThrowIfNull(siteTokens);
        Validator = validator;
        SiteTokens = siteTokens;
    }

    public BearerTokenValidator Validator { get; }

    public SiteTokenService SiteTokens { get; }
}
