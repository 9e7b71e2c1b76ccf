using System.Security.Cryptography.X509Certificates;
using CmgSim.Core;
using CmgSim.Core.Security;
using CmgSim.Identity.SiteTokens;
using CmgSim.Identity.Tokens;
using Microsoft.Extensions.Logging;

namespace CmgSim.Topology.Roles;

/// <summary>
/// The site token service's material as every role of a lab shares it through the lab folder: the SMS Token
/// Signing Certificate (<c>pki/site-token-signing.pfx</c>, its public part in <c>.pem</c>), the hierarchy id
/// (<c>pki/hierarchy-id.txt</c>) and the bulk registration tokens with their block list (<c>site.db</c>).
/// Each is created on first use under the PKI's lock file, so processes starting together agree on them.
/// </summary>
public sealed class SiteTokenMaterial : IDisposable
{
    private SiteTokenMaterial(X509Certificate2 signingCertificate, Guid hierarchyId, string pkiDirectory, BulkRegistrationTokenStore bulkTokens, TimeProvider timeProvider)
    {
        SigningCertificate = signingCertificate;
        HierarchyId = hierarchyId;
        SigningCertificatePemPath = Path.Combine(pkiDirectory, SiteTokenSigningCertificate.PemFileName);
        BulkTokens = bulkTokens;
        BlockList = new CachedBulkTokenBlockList(bulkTokens, timeProvider);
        Service = new SiteTokenService(new SiteTokenServiceOptions { SigningCertificate = signingCertificate, HierarchyId = hierarchyId }, timeProvider);
    }

    /// <summary>The SMS Token Signing Certificate, with its private key (only the MP's CCM_STS signs with it).</summary>
    public X509Certificate2 SigningCertificate { get; }

    /// <summary>The public part, as <c>topology.json</c> names it.</summary>
    public string SigningCertificatePemPath { get; }

    public Guid HierarchyId { get; }

    /// <summary>The bulk registration tokens the site issued (their GUIDs and state, in <c>site.db</c>).</summary>
    public BulkRegistrationTokenStore BulkTokens { get; }

    /// <summary>The blocked bulk tokens, re-read from <c>site.db</c> about every second (another process may block one).</summary>
    public CachedBulkTokenBlockList BlockList { get; }

    /// <summary>Mints bulk registration, client and CCM tokens.</summary>
    public SiteTokenService Service { get; }

    public static SiteTokenMaterial Load(LabLayout layout, string siteCode, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(timeProvider);
        var certificate = SiteTokenSigningCertificate.LoadOrCreate(layout.PkiDirectory, siteCode, timeProvider);
        try
        {
            var hierarchyId = SiteHierarchy.LoadOrCreateId(layout.PkiDirectory);
            return new SiteTokenMaterial(certificate, hierarchyId, layout.PkiDirectory, new BulkRegistrationTokenStore(layout.SiteDatabase, timeProvider), timeProvider);
        }
        catch
        {
            certificate.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The options of a role's token validator: site tokens signed by this site (public key only, the block list
    /// applied), and, with <paramref name="entra"/>, Entra tokens of the onboarded tenant, whose keys come from
    /// its OpenID metadata over TLS trusting <paramref name="labRoot"/>.
    /// </summary>
    public static BearerTokenValidatorOptions CreateValidatorOptions(SiteTokenMaterial? site, EntraTrust? entra, X509Certificate2 labRoot)
    {
        ArgumentNullException.ThrowIfNull(labRoot);
        var options = new BearerTokenValidatorOptions
        {
            SiteTokenSigningCertificate = site is null ? null : X509CertificateLoader.LoadCertificate(site.SigningCertificate.RawData),
            HierarchyId = site?.HierarchyId ?? Guid.Empty,
            BlockList = site?.BlockList,
            MetadataHandler = new SocketsHttpHandler { SslOptions = LabServerCertificateValidation.CreateClientOptions(null, [labRoot]) },
        };
        if (entra is not null)
        {
            options.EntraAudience = entra.ServerApp.AppIdUri!;
            options.Tenants.Add(entra.ToOnboardedTenant());
        }

        return options;
    }

    /// <summary>
    /// A validator for one role (it logs to <paramref name="logCategory"/>, the role's own log); null when the role
    /// trusts neither site nor Entra tokens.
    /// </summary>
    public static BearerTokenValidator? CreateValidator(SiteTokenMaterial? site, EntraTrust? entra, X509Certificate2 labRoot, string logCategory, ILoggerFactory loggerFactory, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(loggerFactory);
        if (site is null && entra is null)
        {
            return null;
        }

        return new BearerTokenValidator(CreateValidatorOptions(site, entra, labRoot), timeProvider, loggerFactory.CreateLogger(logCategory));
    }

    public void Dispose() => SigningCertificate.Dispose();
}
