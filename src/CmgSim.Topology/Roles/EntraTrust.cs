using System.Globalization;
using CmgSim.CloudService.TokenAuthentication;
using CmgSim.Identity.Entra;
using CmgSim.Identity.Tokens;

namespace CmgSim.Topology.Roles;

/// <summary>
/// What a relying role (VM instance, connection point, MP) knows about the local Entra tenant: where it is and
/// which of its tenants the site onboarded. The tenant definitions are the lab's fixed ones
/// (<see cref="EntraLabDefaults"/>), so a role in another process rebuilds them from the lab's client names and
/// needs only the tenant host's URL.
/// </summary>
public sealed class EntraTrust
{
    public EntraTrust(Uri baseUrl, EntraTenantOptions options)
    {
        ArgumentNullException.ThrowIfNull(baseUrl);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Tenants.Count == 0)
        {
            throw new ArgumentException("The Entra options hold no tenant to onboard.", nameof(options));
        }

        BaseUrl = new Uri(baseUrl.AbsoluteUri.TrimEnd('/') + "/");
        Options = options;
    }

    /// <summary>The tenant host's base URL with a trailing slash (<c>https://127.0.0.1:8444/</c>): the tokens' issuers start with it.</summary>
    public Uri BaseUrl { get; }

    public EntraTenantOptions Options { get; }

    /// <summary>The onboarded tenant: the lab's first one (the second stays un-onboarded on purpose).</summary>
    public EntraTenantDefinition OnboardedTenant => Options.Tenants[0];

    /// <summary>A tenant the Entra host serves but the site did not onboard; null when there is none.</summary>
    public EntraTenantDefinition? NotOnboardedTenant => Options.Tenants.Count > 1 ? Options.Tenants[1] : null;

    /// <summary>The server app: its App ID URI is the audience of the tokens the CMG accepts.</summary>
    public EntraAppRegistration ServerApp => OnboardedTenant.Applications.First(static a => a.AppIdUri is not null);

    /// <summary>The client app (public client flows), ccmsetup's <c>AADCLIENTAPPID</c>.</summary>
    public EntraAppRegistration ClientApp => OnboardedTenant.Applications.First(static a => a.AllowPublicClientFlows);

    /// <summary>The trust of a tenant host running in this process.</summary>
    public static EntraTrust For(EntraTenantHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        return new EntraTrust(host.Url, host.Options);
    }

    /// <summary>The trust of the lab's tenant host at <paramref name="baseUrl"/>, whose devices are the lab's clients.</summary>
    public static EntraTrust ForLab(Uri baseUrl, IEnumerable<string> clientNames) => new(baseUrl, EntraRole.CreateLabOptions(clientNames, keyDirectory: null));

    /// <summary>The MSAL authority of a tenant, as <see cref="EntraTenantHost.AuthorityFor"/> gives it.</summary>
    public string AuthorityFor(Guid tenantId) => BaseUrl.AbsoluteUri + TenantSegment(tenantId) + "/";

    /// <summary>The <c>iss</c> of the tenant's tokens, as <see cref="EntraTenantHost.IssuerFor"/> gives it.</summary>
    public string IssuerFor(Guid tenantId) => BaseUrl.AbsoluteUri + TenantSegment(tenantId) + "/v2.0";

    /// <summary>The onboarded tenant as a token validator trusts it: issuer and OpenID metadata address.</summary>
    public OnboardedTenant ToOnboardedTenant()
    {
        var issuer = IssuerFor(OnboardedTenant.TenantId);
        return new OnboardedTenant
        {
            TenantId = OnboardedTenant.TenantId,
            Issuer = issuer,
            MetadataAddress = new Uri(issuer + "/.well-known/openid-configuration"),
        };
    }

    /// <summary>The onboarding the CMG hands to ccmsetup (<c>AADAuthInfo</c>).</summary>
    public EntraOnboarding ToOnboarding() => new(OnboardedTenant.TenantId, ClientApp.AppId, ServerApp.AppIdUri!);

    private static string TenantSegment(Guid tenantId) => tenantId.ToString("D", CultureInfo.InvariantCulture);
}
