using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using CmgSim.Identity.SiteTokens;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace CmgSim.Identity.Tokens;

/// <summary>
/// Validates the bearer tokens the CMG, the connection point and the MP all check (cmg-facts §2.3): Entra tokens of
/// onboarded tenants (keys from the tenant's JWKS) and the site's own tokens (bulk registration, client, CCM; signed
/// with the SMS Token Signing Certificate). Signature, audience and issuer checks are IdentityModel's; lifetime uses the
/// injected <see cref="TimeProvider"/>. Only RS256 is accepted, checked before any key lookup. Every rejection is logged
/// once, at Warning. Thread-safe; meant to be one instance per process role.
/// </summary>
public sealed partial class BearerTokenValidator
{
    private const string Rs256 = SecurityAlgorithms.RsaSha256;

    private readonly JsonWebTokenHandler _handler = new();
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly TimeSpan _clockSkew;
    private readonly string _entraAudience;
    private readonly IBulkTokenBlockList? _blockList;
    private readonly int _maxBulkLifetimeMinutes;
    private readonly HashSet<BearerTokenKind>? _acceptedKinds;
    private readonly Dictionary<string, TenantSigningKeys> _tenantsByIssuer = new(StringComparer.Ordinal);
    private readonly Dictionary<Guid, TenantSigningKeys> _tenantsById = [];
    private readonly X509SecurityKey? _siteKey;
    private readonly string _siteIssuer;
    private readonly TokenValidationParameters? _siteParameters;
    private readonly ValidatedTokenCache _cache;

    public BearerTokenValidator(BearerTokenValidatorOptions options, TimeProvider timeProvider, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.ClockSkew, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxBulkLifetimeMinutes, 1);
        _timeProvider = timeProvider;
        _logger = logger ?? NullLogger.Instance;
        _clockSkew = options.ClockSkew;
        _entraAudience = options.EntraAudience;
        _blockList = options.BlockList;
        _maxBulkLifetimeMinutes = options.MaxBulkLifetimeMinutes;
        _acceptedKinds = options.AcceptedKinds is null ? null : new HashSet<BearerTokenKind>(options.AcceptedKinds);
        _cache = new ValidatedTokenCache(options.CacheCapacity);

        // Only for tenants known by their metadata. Not disposed: it lives as long as the validator, and a given
        // handler belongs to the caller.
        var metadataClient = options.Tenants.Exists(t => t.SigningKeys is not { Count: > 0 })
            ? new HttpClient(options.MetadataHandler ?? new SocketsHttpHandler(), disposeHandler: options.MetadataHandler is null) { Timeout = TimeSpan.FromSeconds(30) }
            : null;
        foreach (var tenant in options.Tenants)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(tenant.Issuer);
            var keys = new TenantSigningKeys(tenant, metadataClient, timeProvider, _logger);
            if (!_tenantsByIssuer.TryAdd(tenant.Issuer, keys) || !_tenantsById.TryAdd(tenant.TenantId, keys))
            {
                throw new ArgumentException($"Tenant {tenant.TenantId} ({tenant.Issuer}) is onboarded twice.", nameof(options));
            }
        }

        _siteIssuer = SiteTokenClaims.Issuer(options.HierarchyId);
        if (options.SiteTokenSigningCertificate is { } certificate)
        {
            if (options.HierarchyId == Guid.Empty)
            {
                throw new ArgumentException("HierarchyId must be set to accept site tokens.", nameof(options));
            }

            // Own copy of the public part, so a caller disposing its certificate cannot break validation.
            _siteKey = new X509SecurityKey(X509CertificateLoader.LoadCertificate(certificate.RawData));
            _siteParameters = Parameters(_siteIssuer, SiteTokenClaims.Audience, [_siteKey]);
        }
    }

    /// <summary>Validates an <c>Authorization</c> header value: <c>Bearer &lt;jwt&gt;</c>, scheme case-insensitive.</summary>
    public ValueTask<BearerTokenValidationResult> ValidateAuthorizationAsync(string? authorizationHeader, CancellationToken ct)
    {
        if (authorizationHeader is null)
        {
            return ValueTask.FromResult(Rejected(BearerTokenValidationResult.Missing("No Authorization header.")));
        }

        var parts = authorizationHeader.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 0)
        {
            return ValueTask.FromResult(Rejected(BearerTokenValidationResult.MalformedHeader("The Authorization header is empty.")));
        }

        if (!string.Equals(parts[0], "Bearer", StringComparison.OrdinalIgnoreCase))
        {
            return ValueTask.FromResult(Rejected(BearerTokenValidationResult.MalformedHeader($"The Authorization scheme is '{TokenText.Quote(parts[0])}', not Bearer.")));
        }

        if (parts.Length != 2)
        {
            return ValueTask.FromResult(Rejected(BearerTokenValidationResult.MalformedHeader(parts.Length == 1
                ? "The Authorization header has no token after Bearer."
                : $"The Authorization header has {parts.Length} parts; expected 'Bearer <token>'.")));
        }

        return ValidateAsync(parts[1], ct);
    }

    /// <summary>Validates a bare token (no scheme). Which trust applies is decided by its (unvalidated) issuer.</summary>
    public async ValueTask<BearerTokenValidationResult> ValidateAsync(string token, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(token))
        {
            return Rejected(BearerTokenValidationResult.Missing("The bearer token is empty."));
        }

        var now = _timeProvider.GetUtcNow();
        if (_cache.TryGet(token, now, out var cached))
        {
            // A block must win over the cache: it is checked again on every hit.
            return Finish(CheckBlocked(cached), fresh: false);
        }

        var result = await ValidateUncachedAsync(token, ct);
        if (result.IsValid)
        {
            _cache.Add(token, result, now);
            result = CheckBlocked(result);
        }

        return Finish(result, fresh: true);
    }

    private async ValueTask<BearerTokenValidationResult> ValidateUncachedAsync(string token, CancellationToken ct)
    {
        JsonWebToken jwt;
        string issuer;
        try
        {
            jwt = _handler.ReadJsonWebToken(token);
            if (jwt.IsEncrypted)
            {
                return Reject(TokenRejectReason.UnsupportedAlgorithm, "Encrypted (JWE) tokens are not accepted; only RS256-signed JWTs.");
            }

            // Before any key lookup: alg none, HS256 with the public key as HMAC secret (key confusion), ES256…
            if (!string.Equals(jwt.Alg, Rs256, StringComparison.Ordinal))
            {
                return Reject(TokenRejectReason.UnsupportedAlgorithm, string.IsNullOrEmpty(jwt.Alg)
                    ? "The token header has no alg; only RS256 is accepted."
                    : $"The token's alg '{TokenText.Quote(jwt.Alg)}' is not accepted; only RS256.");
            }

            issuer = jwt.Issuer;
        }
        catch (Exception ex) when (ex is ArgumentException or SecurityTokenException or FormatException or System.Text.Json.JsonException)
        {
            return Reject(TokenRejectReason.Malformed, TokenText.Describe(ex));
        }

        if (_tenantsByIssuer.TryGetValue(issuer, out var tenant))
        {
            return await ValidateEntraAsync(jwt, tenant, ct);
        }

        if (string.Equals(issuer, _siteIssuer, StringComparison.Ordinal))
        {
            return await ValidateSiteAsync(jwt);
        }

        if (issuer.StartsWith(SiteTokenClaims.IssuerPrefix, StringComparison.OrdinalIgnoreCase))
        {
            return Reject(TokenRejectReason.WrongIssuer, $"The site token issuer '{TokenText.Quote(issuer)}' is not this hierarchy's ({_siteIssuer}).");
        }

        if (EntraIssuer().Match(issuer) is { Success: true } match && Guid.TryParse(match.Groups["tid"].Value, out var tenantId))
        {
            return _tenantsById.TryGetValue(tenantId, out var onboarded)
                ? Reject(TokenRejectReason.WrongIssuer, $"The issuer '{TokenText.Quote(issuer)}' is not the one onboarded for tenant {tenantId} ('{onboarded.Tenant.Issuer}').")
                : Reject(TokenRejectReason.TenantNotOnboarded, $"Tenant {tenantId} (issuer '{TokenText.Quote(issuer)}') is not onboarded.");
        }

        return Reject(TokenRejectReason.WrongIssuer, string.IsNullOrEmpty(issuer)
            ? "The token has no iss."
            : $"The issuer '{TokenText.Quote(issuer)}' is neither an onboarded Entra tenant nor this hierarchy.");
    }

    private async ValueTask<BearerTokenValidationResult> ValidateEntraAsync(JsonWebToken jwt, TenantSigningKeys tenant, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(jwt.Kid))
        {
            return Reject(TokenRejectReason.UnknownSigningKey, "The Entra token has no kid.");
        }

        var (key, problem) = await tenant.FindAsync(jwt.Kid, ct);
        if (key is null)
        {
            return Reject(TokenRejectReason.UnknownSigningKey, problem);
        }

        var validated = await RunIdentityModelAsync(jwt, Parameters(tenant.Tenant.Issuer, _entraAudience, [key]));
        if (validated is not null)
        {
            return validated;
        }

        try
        {
            var tenantId = ReadGuid(jwt, "tid");
            if (tenantId is { } tid && tid != tenant.Tenant.TenantId)
            {
                return Reject(TokenRejectReason.WrongIssuer, $"The token's tid {tid} is not tenant {tenant.Tenant.TenantId} of its issuer.");
            }

            var idType = ReadString(jwt, "idtyp");
            var deviceId = ReadGuid(jwt, "deviceid");
            var upn = ReadString(jwt, "upn") ?? ReadString(jwt, "preferred_username") ?? ReadString(jwt, "unique_name");
            var kind = idType?.ToUpperInvariant() switch
            {
                "APP" => BearerTokenKind.EntraApplication,
                "DEVICE" => BearerTokenKind.EntraDevice,
                "USER" => BearerTokenKind.EntraUser,
                _ when upn is not null || jwt.TryGetPayloadValue<string>("scp", out _) => BearerTokenKind.EntraUser,
                _ when deviceId is not null => BearerTokenKind.EntraDevice,
                _ => BearerTokenKind.EntraApplication,
            };
            var objectId = ReadGuid(jwt, "oid");
            return BearerTokenValidationResult.Valid(kind, ValidTo(jwt)) with
            {
                TenantId = tenant.Tenant.TenantId,
                EntraDeviceId = kind == BearerTokenKind.EntraDevice ? deviceId ?? objectId : deviceId,
                UserObjectId = kind == BearerTokenKind.EntraUser ? objectId : null,
                UserPrincipalName = kind == BearerTokenKind.EntraUser ? upn : null,
                OnPremisesSid = ReadString(jwt, "onprem_sid"),
            };
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidOperationException)
        {
            return Reject(TokenRejectReason.Malformed, "The Entra token's claims cannot be read: " + TokenText.Describe(ex));
        }
    }

    private async ValueTask<BearerTokenValidationResult> ValidateSiteAsync(JsonWebToken jwt)
    {
        if (_siteKey is null || _siteParameters is null)
        {
            return Reject(TokenRejectReason.WrongIssuer, $"Site tokens ({_siteIssuer}) are not accepted here.");
        }

        // The product's site tokens name their key by x5t (SHA-1 thumbprint of the SMS Token Signing Certificate).
        if (!string.Equals(jwt.X5t, _siteKey.X5t, StringComparison.Ordinal))
        {
            return Reject(TokenRejectReason.UnknownSigningKey, string.IsNullOrEmpty(jwt.X5t)
                ? "The site token has no x5t."
                : $"The site token's x5t '{TokenText.Quote(jwt.X5t)}' is not the site token-signing certificate's ({_siteKey.X5t}); it was renewed, or the token comes from another site.");
        }

        var validated = await RunIdentityModelAsync(jwt, _siteParameters, keyMatchedByX5t: true);
        if (validated is not null)
        {
            return validated;
        }

        try
        {
            var type = ReadString(jwt, SiteTokenClaims.Type);
            var tokenId = ReadGuid(jwt, SiteTokenClaims.UniqueId);
            switch (type)
            {
                case SiteTokenClaims.BulkRegistrationType:
                    var result = BearerTokenValidationResult.Valid(BearerTokenKind.BulkRegistration, ValidTo(jwt)) with { TokenId = tokenId };
                    if (tokenId is null)
                    {
                        return result with { IsValid = false, Reason = TokenRejectReason.Malformed, Detail = "The bulk registration token has no UniqueId." };
                    }

                    var lifetime = jwt.ValidTo - jwt.ValidFrom;
                    if (!jwt.TryGetPayloadValue<long>(JwtRegisteredClaimNames.Nbf, out _) || lifetime > TimeSpan.FromMinutes(_maxBulkLifetimeMinutes))
                    {
                        return result with
                        {
                            IsValid = false,
                            Reason = TokenRejectReason.LifetimeTooLong,
                            Detail = $"Bulk registration token {tokenId} is valid for {lifetime.TotalMinutes:0} minutes (nbf to exp); the maximum is {_maxBulkLifetimeMinutes}.",
                        };
                    }

                    return result;

                case SiteTokenClaims.ClientTokenType:
                    return BearerTokenValidationResult.Valid(BearerTokenKind.ClientToken, ValidTo(jwt)) with
                    {
                        TokenId = tokenId,
                        SmsId = ReadString(jwt, SiteTokenClaims.SmsId),
                        EntraDeviceId = ReadGuid(jwt, SiteTokenClaims.DeviceId),
                    };

                case SiteTokenClaims.CcmTokenTypeValue:
                    var ccmType = ReadString(jwt, SiteTokenClaims.CcmTokenType);
                    return BearerTokenValidationResult.Valid(BearerTokenKind.CcmToken, ValidTo(jwt)) with
                    {
                        TokenId = tokenId,
                        CcmTokenType = Enum.TryParse<CcmTokenType>(ccmType, ignoreCase: true, out var parsed) ? parsed : null,
                        SmsId = ReadString(jwt, SiteTokenClaims.SmsId),
                        TenantId = ReadGuid(jwt, SiteTokenClaims.EntraTenantId),
                        EntraDeviceId = ReadGuid(jwt, SiteTokenClaims.DeviceId),
                        UserObjectId = ReadGuid(jwt, SiteTokenClaims.UserId),
                        UserPrincipalName = ReadString(jwt, SiteTokenClaims.UserPrincipalName),
                    };

                default:
                    return Reject(TokenRejectReason.Malformed, type is null
                        ? "The site token has no Type claim."
                        : $"The site token's Type '{TokenText.Quote(type)}' is none of BulkRegistration, ClientToken, CcmToken.");
            }
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidOperationException)
        {
            return Reject(TokenRejectReason.Malformed, "The site token's claims cannot be read: " + TokenText.Describe(ex));
        }
    }

    /// <summary>IdentityModel's checks; null when they pass, else the rejection.</summary>
    /// <param name="keyMatchedByX5t">
    /// The token has no kid and its x5t was already matched to the key: IdentityModel then reports a bad signature as
    /// "IDX10517: … The token's kid is missing" (a key-not-found exception), which here means BadSignature.
    /// </param>
    private async ValueTask<BearerTokenValidationResult?> RunIdentityModelAsync(JsonWebToken jwt, TokenValidationParameters parameters, bool keyMatchedByX5t = false)
    {
        var outcome = await _handler.ValidateTokenAsync(jwt, parameters);
        if (outcome.IsValid)
        {
            return null;
        }

        var exception = outcome.Exception;
        var reason = exception switch
        {
            SecurityTokenExpiredException => TokenRejectReason.Expired,
            SecurityTokenNotYetValidException => TokenRejectReason.NotYetValid,
            SecurityTokenInvalidAudienceException => TokenRejectReason.WrongAudience,
            SecurityTokenInvalidIssuerException => TokenRejectReason.WrongIssuer,
            SecurityTokenSignatureKeyNotFoundException => keyMatchedByX5t ? TokenRejectReason.BadSignature : TokenRejectReason.UnknownSigningKey,
            SecurityTokenInvalidSignatureException => TokenRejectReason.BadSignature,
            SecurityTokenInvalidAlgorithmException => TokenRejectReason.UnsupportedAlgorithm,
            _ => TokenRejectReason.Malformed,
        };
        var detail = exception is null ? "Validation failed." : TokenText.Describe(exception);
        if (reason == TokenRejectReason.WrongAudience)
        {
            detail += $" The token's aud is '{TokenText.Quote(string.Join(", ", jwt.Audiences))}'; expected '{parameters.ValidAudience}'.";
        }

        return Reject(reason, detail);
    }

    private TokenValidationParameters Parameters(string issuer, string audience, IList<SecurityKey> keys) => new()
    {
        ValidIssuer = issuer,
        ValidAudience = audience,
        IssuerSigningKeys = keys,
        ValidAlgorithms = [Rs256],
        RequireSignedTokens = true,
        RequireExpirationTime = true,
        TryAllIssuerSigningKeys = false,
        ClockSkew = _clockSkew,

        // TokenValidationParameters.TimeProvider is internal in IdentityModel 8.23, so lifetime is checked here
        // against the injected clock, with IdentityModel's exceptions and IDX texts.
        LifetimeValidator = ValidateLifetime,
    };

    private bool ValidateLifetime(DateTime? notBefore, DateTime? expires, SecurityToken token, TokenValidationParameters parameters)
    {
        var now = _timeProvider.GetUtcNow().UtcDateTime;
        if (expires is not { } exp)
        {
            throw new SecurityTokenNoExpirationException("IDX10225: Lifetime validation failed. The token is missing an Expiration Time.");
        }

        if (notBefore is { } nbf && nbf > exp)
        {
            throw new SecurityTokenInvalidLifetimeException(
                $"IDX10224: Lifetime validation failed. The NotBefore (UTC): '{Time(nbf)}' is after Expires (UTC): '{Time(exp)}'.")
            { NotBefore = nbf, Expires = exp };
        }

        if (notBefore is { } notYet && notYet > now + parameters.ClockSkew)
        {
            throw new SecurityTokenNotYetValidException(
                $"IDX10222: Lifetime validation failed. The token is not yet valid. ValidFrom (UTC): '{Time(notYet)}', Current time (UTC): '{Time(now)}'.")
            { NotBefore = notYet };
        }

        if (exp < now - parameters.ClockSkew)
        {
            throw new SecurityTokenExpiredException(
                $"IDX10223: Lifetime validation failed. The token is expired. ValidTo (UTC): '{Time(exp)}', Current time (UTC): '{Time(now)}'.")
            { Expires = exp };
        }

        return true;
    }

    private BearerTokenValidationResult CheckBlocked(BearerTokenValidationResult result)
    {
        if (result.IsValid && result.Kind == BearerTokenKind.BulkRegistration && result.TokenId is { } id && _blockList?.IsBlocked(id) == true)
        {
            return result with { IsValid = false, Reason = TokenRejectReason.Blocked, Detail = $"Bulk registration token {id} is blocked." };
        }

        return result;
    }

    private BearerTokenValidationResult Finish(BearerTokenValidationResult result, bool fresh)
    {
        if (result.IsValid && _acceptedKinds is not null && result.Kind is { } kind && !_acceptedKinds.Contains(kind))
        {
            result = result.RequireKind([.. _acceptedKinds]);
        }

        if (!result.IsValid)
        {
            return Rejected(result);
        }

        if (fresh)
        {
            TokenLog.Accepted(_logger, result.Kind, result.TenantId, result.EntraDeviceId, result.UserObjectId, result.SmsId, result.TokenId, result.ValidTo);
        }

        return result;
    }

    private BearerTokenValidationResult Rejected(BearerTokenValidationResult result)
    {
        TokenLog.Rejected(_logger, result.Reason ?? TokenRejectReason.Malformed, result.Detail);
        return result;
    }

    private static BearerTokenValidationResult Reject(TokenRejectReason reason, string detail) => BearerTokenValidationResult.Reject(reason, detail);

    private static DateTimeOffset? ValidTo(JsonWebToken jwt) => jwt.ValidTo == DateTime.MinValue ? null : new DateTimeOffset(jwt.ValidTo, TimeSpan.Zero);

    private static string? ReadString(JsonWebToken jwt, string claim) =>
        jwt.TryGetPayloadValue<string>(claim, out var value) && !string.IsNullOrEmpty(value) ? value : null;

    private static Guid? ReadGuid(JsonWebToken jwt, string claim) =>
        ReadString(jwt, claim) is { } text && Guid.TryParse(text.StartsWith("GUID:", StringComparison.OrdinalIgnoreCase) ? text[5..] : text, out var id) ? id : null;

    private static string Time(DateTime time) => time.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    /// <summary>Entra issuers: <c>https://login.microsoftonline.com/&lt;tid&gt;/v2.0</c>, <c>https://sts.windows.net/&lt;tid&gt;/</c>, a lab host's <c>https://127.0.0.1:PORT/&lt;tid&gt;/v2.0</c>.</summary>
    [GeneratedRegex(@"^https://[^/]+/(?<tid>[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12})/(v2\.0/?)?$", RegexOptions.CultureInvariant)]
    private static partial Regex EntraIssuer();
}
