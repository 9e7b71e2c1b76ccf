using System.Security.Cryptography.X509Certificates;
using CmgSim.Identity.SiteTokens;

namespace CmgSim.Identity.Tokens;

/// <summary>What the CMG, the connection point and the MP trust. Read once when the validator is constructed.</summary>
public sealed class BearerTokenValidatorOptions
{
    public List<OnboardedTenant> Tenants { get; set; } = [];

    /// <summary>The server app's App ID URI: the audience of Entra tokens (ccmsetup <c>AADRESOURCEURI</c>).</summary>
    public string EntraAudience { get; set; } = "https://ConfigMgrService";

    /// <summary>The public SMS Token Signing Certificate; null accepts no site token (bulk, client, CCM).</summary>
    public X509Certificate2? SiteTokenSigningCertificate { get; set; }

    /// <summary>The hierarchy whose site tokens are accepted (issuer <c>urn:sccm:oauth2:&lt;id&gt;</c>).</summary>
    public Guid HierarchyId { get; set; }

    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Handler for Entra metadata and JWKS requests (one that trusts the lab root); not disposed by the validator.</summary>
    public HttpMessageHandler? MetadataHandler { get; set; }

    /// <summary>Blocked bulk registration tokens; null blocks none.</summary>
    public IBulkTokenBlockList? BlockList { get; set; }

    /// <summary>Bulk tokens whose exp − nbf exceeds this are refused, as BulkRegistrationTokenTool.exe never issues them.</summary>
    public int MaxBulkLifetimeMinutes { get; set; } = SiteTokenServiceOptions.ToolMaxBulkLifetimeMinutes;

    /// <summary>Kinds this validator accepts; others give <see cref="TokenRejectReason.NotAccepted"/>. Null accepts every kind.</summary>
    public IReadOnlySet<BearerTokenKind>? AcceptedKinds { get; set; }

    /// <summary>Successful results kept per token string until the token's exp (0 disables the cache).</summary>
    public int CacheCapacity { get; set; } = 10_000;
}
