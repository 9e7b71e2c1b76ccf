using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace CmgSim.Identity.Entra;

/// <summary>Signs Entra v2 tokens with the active key: header <c>typ</c> JWT, <c>alg</c> RS256, <c>kid</c>, <c>x5t</c>.</summary>
internal sealed class EntraTokenMinter(EntraSigningKeys keys)
{
    // Times come from the caller's clock, never from the handler's wall clock.
    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };

    public EntraSigningKeys Keys => keys;

    /// <summary>A signed JWT and the key id it carries.</summary>
    public (string Token, string KeyId) Mint(string issuer, string audience, Dictionary<string, object> claims, DateTimeOffset now, TimeSpan lifetime)
    {
        var key = keys.Active;
        var token = _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = (now + lifetime).UtcDateTime,
            Claims = claims,
            SigningCredentials = key.SigningCredentials,
        });
        return (token, key.KeyId);
    }

    /// <summary>Entra's <c>uti</c>: a per-token id, 16 random bytes base64url-encoded.</summary>
    public static string NewUti() => Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(16));
}
