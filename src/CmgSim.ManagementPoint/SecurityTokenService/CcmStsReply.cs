using System.Text.Json.Serialization;

namespace CmgSim.ManagementPoint.SecurityTokenService;

/// <summary>
/// The <c>CCM_STS</c> reply. The product's wire format is not public (client-protocols §5.2 [U]); the
/// simulator answers JSON with the CCM token and, for site-token clients, their client token.
/// </summary>
public sealed record CcmStsReply
{
    /// <summary>What the CCM token was issued for: <c>Device</c>, <c>UDA</c>, <c>BulkRegistration</c> or <c>ClientToken</c>.</summary>
    [JsonPropertyName("tokenType")]
    public required string TokenType { get; init; }

    [JsonPropertyName("ccmToken")]
    public required string CcmToken { get; init; }

    [JsonPropertyName("expiresOn")]
    public required DateTimeOffset ExpiresOn { get; init; }

    /// <summary>A renewed 90-day site client token, when the request asked for one (<c>?RenewClientToken=1</c>).</summary>
    [JsonPropertyName("clientToken")]
    public string? ClientToken { get; init; }

    [JsonPropertyName("clientTokenExpiresOn")]
    public DateTimeOffset? ClientTokenExpiresOn { get; init; }
}
