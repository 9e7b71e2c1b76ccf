using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace CmgSim.Identity.SiteTokens;

/// <summary>
/// Mints the site's own tokens, RS256-signed with the SMS Token Signing Certificate: bulk registration tokens
/// (BulkRegistrationTokenTool.exe), the 90-day client token, and the 8-hour CCM token from CCM_STS. Thread-safe.
/// </summary>
public sealed class SiteTokenService
{
    private readonly SiteTokenServiceOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly SigningCredentials _credentials;
    private readonly string _issuer;
    private readonly string _hierarchyUpper;
    private readonly string _hierarchyLower;

    // Times come from the TimeProvider; the handler's defaults would read the wall clock.
    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };

    public SiteTokenService(SiteTokenServiceOptions options, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(options.SigningCertificate);
        ArgumentNullException.ThrowIfNull(timeProvider);
        using (var key = options.SigningCertificate.GetRSAPrivateKey())
        {
            if (key is null)
            {
                throw new ArgumentException("The site token-signing certificate needs its RSA private key.", nameof(options));
            }
        }

        if (options.HierarchyId == Guid.Empty)
        {
            throw new ArgumentException("HierarchyId must be set.", nameof(options));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxBulkLifetimeMinutes, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.DefaultBulkLifetimeMinutes, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.DefaultBulkLifetimeMinutes, options.MaxBulkLifetimeMinutes);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.ClientTokenLifetime, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.CcmTokenLifetime, TimeSpan.Zero);

        _options = options;
        _timeProvider = timeProvider;

        // The product's header is typ/alg/x5t, no kid: X509SecurityKey would add the hex thumbprint as kid.
        _credentials = new SigningCredentials(new X509SecurityKey(options.SigningCertificate) { KeyId = null! }, SecurityAlgorithms.RsaSha256);
        _issuer = SiteTokenClaims.Issuer(options.HierarchyId);
        _hierarchyUpper = options.HierarchyId.ToString("D", CultureInfo.InvariantCulture).ToUpperInvariant();
        _hierarchyLower = options.HierarchyId.ToString("D", CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// <c>BulkRegistrationTokenTool.exe /new [/lifetime minutes]</c>: default 4,320 minutes, 1 to 10,080 allowed.
    /// The caller stores the tracking GUID (<see cref="BulkRegistrationTokenStore"/>); the JWT itself is kept nowhere.
    /// </summary>
    public BulkRegistrationToken CreateBulkRegistrationToken(int? lifetimeMinutes = null)
    {
        var minutes = lifetimeMinutes ?? _options.DefaultBulkLifetimeMinutes;
        if (minutes < 1 || minutes > _options.MaxBulkLifetimeMinutes)
        {
            throw new ArgumentOutOfRangeException(
                nameof(lifetimeMinutes),
                minutes,
                $"A bulk registration token lifetime must be between 1 and {_options.MaxBulkLifetimeMinutes} minutes " +
                $"(default {_options.DefaultBulkLifetimeMinutes}); {minutes} is outside that range.");
        }

        var id = Guid.NewGuid();
        var (from, to) = Window(TimeSpan.FromMinutes(minutes));
        var claims = new Dictionary<string, object>
        {
            [SiteTokenClaims.TokenCategory] = SiteTokenClaims.PreAuthCategory,
            [SiteTokenClaims.Authority] = SiteTokenClaims.Sccm,
            [SiteTokenClaims.License] = SiteTokenClaims.Sccm,
            [SiteTokenClaims.Type] = SiteTokenClaims.BulkRegistrationType,
            [SiteTokenClaims.TenantId] = _hierarchyUpper,
            [SiteTokenClaims.UniqueId] = Format(id),
        };
        return new BulkRegistrationToken(id, from, to, Mint(claims, from, to));
    }

    /// <summary>The 90-day site client token, tied to the client's SMS ID (and its Entra device when it has one).</summary>
    public SiteToken IssueClientToken(string smsId, Guid? entraDeviceId = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(smsId);
        var id = Guid.NewGuid();
        var (from, to) = Window(_options.ClientTokenLifetime);
        var claims = new Dictionary<string, object>
        {
            [SiteTokenClaims.TokenCategory] = SiteTokenClaims.ClientTokenCategory,
            [SiteTokenClaims.Authority] = SiteTokenClaims.Sccm,
            [SiteTokenClaims.Type] = SiteTokenClaims.ClientTokenType,
            [SiteTokenClaims.TenantId] = _hierarchyUpper,
            [SiteTokenClaims.UniqueId] = Format(id),
            [SiteTokenClaims.SmsId] = smsId,
        };
        if (entraDeviceId is { } deviceId)
        {
            claims[SiteTokenClaims.DeviceId] = Format(deviceId);
        }

        return new SiteToken(id, SiteTokenClaims.ClientTokenType, from, to, Mint(claims, from, to));
    }

    /// <summary>The 8-hour CCM token CCM_STS returns for a validated Entra, bulk or client token.</summary>
    public SiteToken IssueCcmToken(CcmTokenSubject subject)
    {
        ArgumentNullException.ThrowIfNull(subject);
        var id = Guid.NewGuid();
        var (from, to) = Window(_options.CcmTokenLifetime);
        var claims = new Dictionary<string, object>
        {
            [SiteTokenClaims.TokenCategory] = SiteTokenClaims.AccessTokenCategory,
            [SiteTokenClaims.Authority] = SiteTokenClaims.Sccm,
            [SiteTokenClaims.Type] = SiteTokenClaims.CcmTokenTypeValue,
            [SiteTokenClaims.CcmTokenType] = subject.Type.ToString(),
            [SiteTokenClaims.HierarchyId] = _hierarchyLower,
            [SiteTokenClaims.UniqueId] = Format(id),
        };
        AddIfSet(claims, SiteTokenClaims.SmsId, subject.SmsId);
        AddIfSet(claims, SiteTokenClaims.EntraTenantId, subject.TenantId);
        AddIfSet(claims, SiteTokenClaims.DeviceId, subject.EntraDeviceId);
        AddIfSet(claims, SiteTokenClaims.UserId, subject.UserObjectId);
        AddIfSet(claims, SiteTokenClaims.UserPrincipalName, subject.UserPrincipalName);
        return new SiteToken(id, SiteTokenClaims.CcmTokenTypeValue, from, to, Mint(claims, from, to));
    }

    private (DateTimeOffset From, DateTimeOffset To) Window(TimeSpan lifetime)
    {
        // Whole seconds, as nbf/exp carry them, so the returned validity equals the token's.
        var now = _timeProvider.GetUtcNow();
        var from = new DateTimeOffset(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
        return (from, from + lifetime);
    }

    private string Mint(Dictionary<string, object> claims, DateTimeOffset from, DateTimeOffset to) =>
        _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = _issuer,
            Audience = SiteTokenClaims.Audience,
            NotBefore = from.UtcDateTime,
            Expires = to.UtcDateTime,
            Claims = claims,
            SigningCredentials = _credentials,
        });

    private static void AddIfSet(Dictionary<string, object> claims, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            claims[name] = value;
        }
    }

    private static void AddIfSet(Dictionary<string, object> claims, string name, Guid? value)
    {
        if (value is { } guid)
        {
            claims[name] = Format(guid);
        }
    }

    private static string Format(Guid id) => id.ToString("D", CultureInfo.InvariantCulture);
}
