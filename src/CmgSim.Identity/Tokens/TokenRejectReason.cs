namespace CmgSim.Identity.Tokens;

/// <summary>Why a bearer token was refused.</summary>
public enum TokenRejectReason
{
    /// <summary>No Authorization header, or an empty token.</summary>
    Missing,

    /// <summary>An Authorization header that is not <c>Bearer &lt;token&gt;</c>.</summary>
    MalformedHeader,

    /// <summary>Not a JWT, or a JWT whose claims cannot be read.</summary>
    Malformed,

    /// <summary><c>alg</c> other than RS256: <c>none</c>, HS256 (key confusion), an encrypted token…</summary>
    UnsupportedAlgorithm,

    /// <summary>The signature does not verify with the issuer's key (IDX10511).</summary>
    BadSignature,

    /// <summary>No key of the issuer matches the token's <c>kid</c> / <c>x5t</c>, even after refreshing the metadata.</summary>
    UnknownSigningKey,

    WrongAudience,

    /// <summary>An issuer that is neither an onboarded tenant nor this hierarchy.</summary>
    WrongIssuer,

    /// <summary>An Entra issuer of a tenant the site has not onboarded.</summary>
    TenantNotOnboarded,

    /// <summary>Past <c>exp</c> plus the clock skew (IDX10223).</summary>
    Expired,

    /// <summary>Before <c>nbf</c> minus the clock skew (IDX10222).</summary>
    NotYetValid,

    /// <summary>A bulk registration token the administrator blocked.</summary>
    Blocked,

    /// <summary>A bulk registration token whose exp − nbf exceeds the 10,080-minute maximum.</summary>
    LifetimeTooLong,

    /// <summary>A valid token of a kind this caller does not accept.</summary>
    NotAccepted,
}
