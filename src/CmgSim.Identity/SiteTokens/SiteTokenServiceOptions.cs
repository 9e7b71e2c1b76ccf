using System.Security.Cryptography.X509Certificates;

namespace CmgSim.Identity.SiteTokens;

public sealed class SiteTokenServiceOptions
{
    /// <summary>BulkRegistrationTokenTool.exe's default lifetime: 4,320 minutes (3 days).</summary>
    public const int ToolDefaultBulkLifetimeMinutes = 4320;

    /// <summary>BulkRegistrationTokenTool.exe's maximum lifetime: 10,080 minutes (7 days).</summary>
    public const int ToolMaxBulkLifetimeMinutes = 10080;

    /// <summary>The SMS Token Signing Certificate, with its private key.</summary>
    public required X509Certificate2 SigningCertificate { get; init; }

    public Guid HierarchyId { get; init; }

    /// <summary>The site client token: 90 days, renewed monthly by the client (cmg-facts §2.4).</summary>
    public TimeSpan ClientTokenLifetime { get; init; } = TimeSpan.FromDays(90);

    /// <summary>The CCM token from CCM_STS: 8 hours (cmg-facts §2.5).</summary>
    public TimeSpan CcmTokenLifetime { get; init; } = TimeSpan.FromHours(8);

    public int DefaultBulkLifetimeMinutes { get; init; } = ToolDefaultBulkLifetimeMinutes;

    public int MaxBulkLifetimeMinutes { get; init; } = ToolMaxBulkLifetimeMinutes;
}
