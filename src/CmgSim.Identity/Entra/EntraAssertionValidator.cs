using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace CmgSim.Identity.Entra;

/// <summary>
/// Checks the signed JWTs callers authenticate with: client assertions (private_key_jwt, against the app's registered
/// certificates) and device assertions (against the device's WPJ certificate). Times come from the injected clock.
/// </summary>
internal sealed class EntraAssertionValidator(TimeProvider timeProvider)
{
    // Entra tolerates five minutes of clock difference on assertions.
    private static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    private readonly JsonWebTokenHandler _handler = new();

    public async Task<EntraError?> ValidateClientAssertionAsync(string assertion, EntraAppRegistration app, IReadOnlyCollection<string> audiences)
    {
        if (!TryRead(assertion, out var token))
        {
            return new EntraError(StatusCodes.Status401Unauthorized, EntraError.InvalidClient, 50027, "JWT token is invalid or malformed.");
        }

        var certificates = SelectCertificates(token, app.Certificates, out var presentedThumbprint);
        if (certificates.Count == 0)
        {
            return new EntraError(
                StatusCodes.Status401Unauthorized, EntraError.InvalidClient, 700027,
                $"The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '{presentedThumbprint}', Configured keys for app Id '{app.AppId}': {app.Certificates.Count}.]");
        }

        var result = await ValidateAsync(assertion, certificates, audiences);
        if (result.IsValid)
        {
            return Guid.TryParse(token.Issuer, out var iss) && iss == app.AppId && Guid.TryParse(token.Subject, out var sub) && sub == app.AppId
                ? null
                : new EntraError(
                    StatusCodes.Status401Unauthorized, EntraError.InvalidClient, 700021,
                    $"Client assertion application identifier doesn't match 'client_id' parameter. (iss '{token.Issuer}', sub '{token.Subject}', client_id '{app.AppId}')");
        }

        return result.Exception switch
        {
            SecurityTokenInvalidSignatureException or SecurityTokenSignatureKeyNotFoundException => new EntraError(
                StatusCodes.Status401Unauthorized, EntraError.InvalidClient, 700027, "Client assertion failed signature validation."),
            SecurityTokenExpiredException or SecurityTokenNotYetValidException or SecurityTokenNoExpirationException or SecurityTokenInvalidLifetimeException => new EntraError(
                StatusCodes.Status401Unauthorized, EntraError.InvalidClient, 700024, $"Client assertion is not within its valid time range. {TimeRange(token)}"),
            SecurityTokenInvalidAudienceException => new EntraError(
                StatusCodes.Status401Unauthorized, EntraError.InvalidClient, 50013,
                $"Assertion audience claim does not match the required value. Audience '{string.Join(", ", token.Audiences)}', expected the token endpoint '{audiences.First()}'."),
            _ => new EntraError(StatusCodes.Status401Unauthorized, EntraError.InvalidClient, 50027, $"JWT token is invalid or malformed. {result.Exception?.Message}"),
        };
    }

    /// <summary>[DERIVED] The device's proof of possession of its WPJ key; refusals use the codes of Entra's assertion checks.</summary>
    public async Task<EntraError?> ValidateDeviceAssertionAsync(string assertion, EntraDevice device, X509Certificate2 wpjCertificate, IReadOnlyCollection<string> audiences)
    {
        if (!TryRead(assertion, out var token))
        {
            return new EntraError(StatusCodes.Status400BadRequest, EntraError.InvalidGrant, 50027, "JWT token is invalid or malformed. (device_assertion)");
        }

        if (SelectCertificates(token, [wpjCertificate], out var presentedThumbprint).Count == 0)
        {
            return new EntraError(
                StatusCodes.Status400BadRequest, EntraError.InvalidGrant, 50013,
                $"Assertion failed signature validation. [Reason - The key was not found., Thumbprint of key used by client: '{presentedThumbprint}'; the device's certificate is '{wpjCertificate.Thumbprint}'.]");
        }

        var result = await ValidateAsync(assertion, [wpjCertificate], audiences);
        if (result.IsValid)
        {
            return Guid.TryParse(token.Issuer, out var iss) && iss == device.DeviceId && Guid.TryParse(token.Subject, out var sub) && sub == device.DeviceId
                ? null
                : new EntraError(
                    StatusCodes.Status400BadRequest, EntraError.InvalidGrant, 50013,
                    $"Assertion is invalid: iss '{token.Issuer}' and sub '{token.Subject}' must both be the device id '{device.DeviceId}'.");
        }

        return result.Exception switch
        {
            SecurityTokenInvalidSignatureException or SecurityTokenSignatureKeyNotFoundException => new EntraError(
                StatusCodes.Status400BadRequest, EntraError.InvalidGrant, 50013, "Assertion failed signature validation."),
            SecurityTokenExpiredException or SecurityTokenNotYetValidException or SecurityTokenNoExpirationException or SecurityTokenInvalidLifetimeException => new EntraError(
                StatusCodes.Status400BadRequest, EntraError.InvalidGrant, 500133, $"Assertion is not within its valid time range. {TimeRange(token)}"),
            SecurityTokenInvalidAudienceException => new EntraError(
                StatusCodes.Status400BadRequest, EntraError.InvalidGrant, 50013,
                $"Assertion audience claim does not match the required value. Audience '{string.Join(", ", token.Audiences)}', expected the token endpoint '{audiences.First()}'."),
            _ => new EntraError(StatusCodes.Status400BadRequest, EntraError.InvalidGrant, 50027, $"JWT token is invalid or malformed. {result.Exception?.Message}"),
        };
    }

    private Task<TokenValidationResult> ValidateAsync(string assertion, IEnumerable<X509Certificate2> certificates, IReadOnlyCollection<string> audiences) =>
        _handler.ValidateTokenAsync(assertion, new TokenValidationParameters
        {
            IssuerSigningKeys = certificates.Select(static c => new X509SecurityKey(c)).ToArray(),
            TryAllIssuerSigningKeys = true,

            // iss/sub are compared as GUIDs afterwards, so casing of the client id does not matter.
            ValidateIssuer = false,
            ValidAudiences = audiences,
            IgnoreCaseWhenValidatingAudience = true,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            LifetimeValidator = (notBefore, expires, _, _) => IsWithinLifetime(notBefore, expires),
            ValidateIssuerSigningKey = false,
        });

    /// <summary>On the injected clock: the handler's own lifetime check reads the wall clock.</summary>
    private bool IsWithinLifetime(DateTime? notBefore, DateTime? expires)
    {
        var now = timeProvider.GetUtcNow().UtcDateTime;
        return expires is { } exp && now <= exp + ClockSkew && (notBefore is not { } nbf || nbf - ClockSkew <= now);
    }

    private bool TryRead(string assertion, out JsonWebToken token)
    {
        token = null!;
        if (!_handler.CanReadToken(assertion))
        {
            return false;
        }

        try
        {
            token = new JsonWebToken(assertion);
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>
    /// The registered certificates the assertion's header names (<c>x5t</c>, <c>x5t#S256</c> as MSAL sends, or <c>kid</c>
    /// as a hex thumbprint); all of them when the header names none.
    /// </summary>
    private static List<X509Certificate2> SelectCertificates(JsonWebToken token, IReadOnlyCollection<X509Certificate2> registered, out string presented)
    {
        token.TryGetHeaderValue<string>("x5t", out var x5t);
        token.TryGetHeaderValue<string>("x5t#S256", out var x5tS256);
        var kid = token.Kid;
        presented = x5tS256 ?? x5t ?? kid ?? "(none)";
        if (x5t is null && x5tS256 is null && string.IsNullOrEmpty(kid))
        {
            return [.. registered];
        }

        return registered.Where(c =>
                (x5t is not null && Base64UrlEncoder.Encode(c.GetCertHash()) == x5t)
                || (x5tS256 is not null && Base64UrlEncoder.Encode(c.GetCertHash(HashAlgorithmName.SHA256)) == x5tS256)
                || (x5t is null && x5tS256 is null && string.Equals(kid, c.Thumbprint, StringComparison.OrdinalIgnoreCase)))
            .ToList();
    }

    private string TimeRange(JsonWebToken token) => string.Create(
        CultureInfo.InvariantCulture,
        $"Current time: {timeProvider.GetUtcNow().UtcDateTime:yyyy-MM-dd HH:mm:ss'Z'}, assertion valid from {token.ValidFrom:yyyy-MM-dd HH:mm:ss'Z'}, expiry time of assertion {token.ValidTo:yyyy-MM-dd HH:mm:ss'Z'}.");
}
