using CmgSim.Identity.SiteTokens;

namespace CmgSim.Identity.Tokens;

/// <summary>
/// Outcome of <see cref="BearerTokenValidator"/>. <see cref="Detail"/> says why (with the IdentityModel IDX text
/// where there is one) and is meant for a log line; it never holds the token itself.
/// </summary>
public sealed record BearerTokenValidationResult
{
    public bool IsValid { get; init; }

    /// <summary>Null when valid.</summary>
    public TokenRejectReason? Reason { get; init; }

    public string Detail { get; init; } = string.Empty;

    /// <summary>Set when valid, and on rejections found after the kind was known (Blocked, LifetimeTooLong, NotAccepted).</summary>
    public BearerTokenKind? Kind { get; init; }

    /// <summary>The Entra tenant (<c>tid</c>) of an Entra token or of the Entra token behind a CCM token.</summary>
    public Guid? TenantId { get; init; }

    public Guid? EntraDeviceId { get; init; }

    /// <summary>The user's object ID (<c>oid</c>, or <c>userid</c> in a CCM token).</summary>
    public Guid? UserObjectId { get; init; }

    public string? UserPrincipalName { get; init; }

    /// <summary>The client's SMS ID, in client tokens and CCM tokens.</summary>
    public string? SmsId { get; init; }

    /// <summary>The site token's <c>UniqueId</c> (for a bulk token, the tracking GUID the console blocks).</summary>
    public Guid? TokenId { get; init; }

    /// <summary>For a CCM token, the credential it was issued for.</summary>
    public CcmTokenType? CcmTokenType { get; init; }

    /// <summary>The token's <c>exp</c>.</summary>
    public DateTimeOffset? ValidTo { get; init; }

    /// <summary>The user's on-premises SID (<c>onprem_sid</c>) in a hybrid user's Entra token.</summary>
    public string? OnPremisesSid { get; init; }

    public static BearerTokenValidationResult Reject(TokenRejectReason reason, string detail) =>
        new() { IsValid = false, Reason = reason, Detail = detail };

    public static BearerTokenValidationResult Missing(string detail = "No bearer token.") => Reject(TokenRejectReason.Missing, detail);

    public static BearerTokenValidationResult MalformedHeader(string detail) => Reject(TokenRejectReason.MalformedHeader, detail);

    /// <summary>A valid result of the given kind; set the identity properties with <c>with { … }</c>.</summary>
    public static BearerTokenValidationResult Valid(BearerTokenKind kind, DateTimeOffset? validTo) =>
        new() { IsValid = true, Kind = kind, ValidTo = validTo };

    /// <summary>
    /// This result, or a <see cref="TokenRejectReason.NotAccepted"/> one (keeping the identity, for the log line) when
    /// it is a valid token of a kind the caller does not take, e.g. an Entra token on a path that needs a CCM token.
    /// </summary>
    public BearerTokenValidationResult RequireKind(params BearerTokenKind[] accepted)
    {
        ArgumentNullException.ThrowIfNull(accepted);
        if (!IsValid || Kind is not { } kind || accepted.Contains(kind))
        {
            return this;
        }

        return this with
        {
            IsValid = false,
            Reason = TokenRejectReason.NotAccepted,
            Detail = $"A valid {kind} token is not accepted here (accepted: {string.Join(", ", accepted)}).",
        };
    }
}
