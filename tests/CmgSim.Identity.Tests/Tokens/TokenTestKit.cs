using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using CmgSim.Identity.SiteTokens;
using CmgSim.Identity.Tokens;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace CmgSim.Identity.Tests.Tokens;

/// <summary>
/// A site token-signing certificate, a hierarchy, one onboarded Entra tenant with a fixed RSA key, and a fake clock;
/// plus minting of arbitrary (also deliberately broken) tokens. The certificate and keys are created once per test run.
/// </summary>
internal sealed class TokenTestKit : IDisposable
{
    public static readonly DateTimeOffset Start = new(2026, 11, 27, 3, 0, 0, TimeSpan.Zero);

    private static readonly Lazy<(string Directory, X509Certificate2 Certificate)> SharedSite = new(() =>
    {
        var directory = NewTempDirectory();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => TryDelete(directory);
        return (directory, SiteTokenSigningCertificate.LoadOrCreate(directory, "PS1", new FakeTimeProvider(Start)));
    });

    private static readonly Lazy<RsaSecurityKey> SharedEntraKey = new(() => new RsaSecurityKey(RSA.Create(2048)) { KeyId = "entra-key-1" });

    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };

    public TokenTestKit()
    {
        Service = new SiteTokenService(new SiteTokenServiceOptions { SigningCertificate = SiteCertificate, HierarchyId = HierarchyId }, Time);
    }

    public FakeTimeProvider Time { get; } = new(Start);

    public string Root { get; } = NewTempDirectory();

    public X509Certificate2 SiteCertificate { get; } = SharedSite.Value.Certificate;

    public Guid HierarchyId { get; } = Guid.NewGuid();

    public string SiteIssuer => SiteTokenClaims.Issuer(HierarchyId);

    public SiteTokenService Service { get; }

    public Guid TenantId { get; } = Guid.NewGuid();

    public string EntraIssuer => $"https://127.0.0.1:44300/{TenantId}/v2.0";

    public RsaSecurityKey EntraKey { get; } = SharedEntraKey.Value;

    public CapturingLogger<BearerTokenValidator> Logger { get; } = new();

    public BearerTokenValidator CreateValidator(Action<BearerTokenValidatorOptions>? configure = null)
    {
        var options = new BearerTokenValidatorOptions
        {
            Tenants = [new OnboardedTenant { TenantId = TenantId, Issuer = EntraIssuer, SigningKeys = [PublicOnly(EntraKey)] }],
            SiteTokenSigningCertificate = X509CertificateLoader.LoadCertificate(SiteCertificate.RawData),
            HierarchyId = HierarchyId,
        };
        configure?.Invoke(options);
        return new BearerTokenValidator(options, Time, Logger);
    }

    /// <summary>An Entra access token of the kit's tenant, signed with the tenant key unless told otherwise.</summary>
    public string MintEntra(
        IDictionary<string, object> claims,
        SecurityKey? key = null,
        string? issuer = null,
        string audience = "https://ConfigMgrService",
        TimeSpan? notBeforeOffset = null,
        TimeSpan? lifetime = null)
    {
        var now = Time.GetUtcNow().UtcDateTime;
        var nbf = now + (notBeforeOffset ?? TimeSpan.FromMinutes(-5));
        var all = new Dictionary<string, object>(claims) { ["tid"] = TenantId.ToString() };
        return _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer ?? EntraIssuer,
            Audience = audience,
            IssuedAt = nbf,
            NotBefore = nbf,
            Expires = nbf + (lifetime ?? TimeSpan.FromHours(1)),
            Claims = all,
            SigningCredentials = new SigningCredentials(key ?? EntraKey, SecurityAlgorithms.RsaSha256),
        });
    }

    /// <summary>A site-style token with the given claims, signed with the site certificate (x5t, no kid) unless told otherwise.</summary>
    public string MintSite(
        IDictionary<string, object> claims,
        TimeSpan lifetime,
        TimeSpan? notBeforeOffset = null,
        X509Certificate2? certificate = null,
        string? issuer = null,
        string audience = SiteTokenClaims.Audience)
    {
        var nbf = Time.GetUtcNow().UtcDateTime + (notBeforeOffset ?? TimeSpan.Zero);
        return _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer ?? SiteIssuer,
            Audience = audience,
            NotBefore = nbf,
            Expires = nbf + lifetime,
            Claims = new Dictionary<string, object>(claims),
            SigningCredentials = new SigningCredentials(new X509SecurityKey(certificate ?? SiteCertificate) { KeyId = null! }, SecurityAlgorithms.RsaSha256),
        });
    }

    public static Dictionary<string, object> BulkClaims(Guid id) => new()
    {
        ["SCCMTokenCategory"] = "SCCMPreAuthToken",
        ["Authority"] = "SCCM",
        ["License"] = "SCCM",
        ["Type"] = "BulkRegistration",
        ["UniqueId"] = id.ToString(),
    };

    /// <summary>Header and payload as given (base64url), with the given signature segment: for alg none and friends.</summary>
    public static string Raw(string headerJson, string payloadJson, string signature = "") =>
        $"{Base64UrlEncoder.Encode(headerJson)}.{Base64UrlEncoder.Encode(payloadJson)}.{signature}";

    public static string DecodeSegment(string jwt, int index) => Encoding.UTF8.GetString(Base64UrlEncoder.DecodeBytes(jwt.Split('.')[index]));

    public static RsaSecurityKey PublicOnly(RsaSecurityKey key) => new(key.Rsa.ExportParameters(false)) { KeyId = key.KeyId };

    public static string NewTempDirectory()
    {
        var directory = Path.Combine(Path.GetTempPath(), "cmgsim-tokens-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        return directory;
    }

    public static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a leftover temp folder does not fail a test.
        }
    }

    public void Dispose() => TryDelete(Root);
}

/// <summary>A block list the test sets directly.</summary>
internal sealed class FakeBlockList : IBulkTokenBlockList
{
    public HashSet<Guid> Blocked { get; } = [];

    public int Calls { get; private set; }

    public bool IsBlocked(Guid tokenId)
    {
        Calls++;
        return Blocked.Contains(tokenId);
    }
}
