using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace CmgSim.Identity.Entra;

/// <summary>
/// What a simulated ConfigMgr client asks Entra for: a device token (as Windows gets one from WAM for the joined
/// device), a user token (optionally bound to the device), or, for site components, an app token.
/// </summary>
/// <param name="http">Must trust the Entra host's TLS certificate.</param>
/// <param name="authority">The tenant's authority, e.g. <c>https://127.0.0.1:PORT/{tenantId}/</c>.</param>
public sealed class EntraTokenClient(HttpClient http, Uri authority)
{
    // A WAM-style assertion is short-lived; Entra accepts up to its 5-minute skew on either side.
    private static readonly TimeSpan AssertionLifetime = TimeSpan.FromMinutes(10);

    private readonly HttpClient _http = http ?? throw new ArgumentNullException(nameof(http));

    /// <summary><c>{authority}oauth2/v2.0/token</c>.</summary>
    public Uri TokenEndpoint { get; } = new(WithTrailingSlash(authority ?? throw new ArgumentNullException(nameof(authority))), "oauth2/v2.0/token");

    /// <summary>A token for the device (<c>idtyp</c> device, <c>deviceid</c>) issued to the client app for <paramref name="resource"/>.</summary>
    public Task<EntraTokenResponse> AcquireDeviceTokenAsync(
        Guid clientAppId, string resource, Guid deviceId, X509Certificate2 wpjCertificate, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(wpjCertificate);
        ArgumentNullException.ThrowIfNull(timeProvider);
        var form = new Dictionary<string, string>
        {
            ["grant_type"] = EntraTokenProtocol.DeviceGrantType,
            ["client_id"] = clientAppId.ToString("D"),
            ["scope"] = EntraTokenProtocol.DefaultScopeFor(resource),
            [EntraTokenProtocol.DeviceIdParameter] = deviceId.ToString("D"),
            [EntraTokenProtocol.DeviceAssertionParameter] = CreateDeviceAssertion(deviceId, wpjCertificate, TokenEndpoint, timeProvider),
        };
        return SendAsync(form, timeProvider, cancellationToken);
    }

    /// <summary>
    /// A user token (password grant); with <paramref name="device"/> the request also proves the device and the token
    /// carries its <c>deviceid</c> (ConfigMgr's "UDA" token).
    /// </summary>
    public Task<EntraTokenResponse> AcquireUserTokenAsync(
        Guid clientAppId, string resource, string userPrincipalName, string password, (Guid DeviceId, X509Certificate2 WpjCertificate)? device,
        TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(userPrincipalName);
        ArgumentNullException.ThrowIfNull(password);
        ArgumentNullException.ThrowIfNull(timeProvider);
        var form = new Dictionary<string, string>
        {
            ["grant_type"] = EntraTokenProtocol.PasswordGrantType,
            ["client_id"] = clientAppId.ToString("D"),
            ["scope"] = EntraTokenProtocol.DefaultScopeFor(resource),
            ["username"] = userPrincipalName,
            ["password"] = password,
        };
        if (device is { } bound)
        {
            form[EntraTokenProtocol.DeviceIdParameter] = bound.DeviceId.ToString("D");
            form[EntraTokenProtocol.DeviceAssertionParameter] = CreateDeviceAssertion(bound.DeviceId, bound.WpjCertificate, TokenEndpoint, timeProvider);
        }

        return SendAsync(form, timeProvider, cancellationToken);
    }

    /// <summary>An app token (client credentials with a secret), as the CMG's server app gets one.</summary>
    public Task<EntraTokenResponse> AcquireAppTokenAsync(
        Guid clientId, string clientSecret, string resource, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(clientSecret);
        ArgumentNullException.ThrowIfNull(timeProvider);
        var form = new Dictionary<string, string>
        {
            ["grant_type"] = EntraTokenProtocol.ClientCredentialsGrantType,
            ["client_id"] = clientId.ToString("D"),
            ["client_secret"] = clientSecret,
            ["scope"] = EntraTokenProtocol.DefaultScopeFor(resource),
        };
        return SendAsync(form, timeProvider, cancellationToken);
    }

    /// <summary>
    /// The device's proof of its WPJ key: RS256, header <c>x5t</c> of the certificate; <c>iss</c> = <c>sub</c> =
    /// device id, <c>aud</c> = <paramref name="tokenEndpoint"/>, <c>iat</c>/<c>nbf</c> now, <c>exp</c> in 10 minutes, <c>jti</c>.
    /// </summary>
    public static string CreateDeviceAssertion(Guid deviceId, X509Certificate2 wpjCertificate, Uri tokenEndpoint, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(wpjCertificate);
        ArgumentNullException.ThrowIfNull(tokenEndpoint);
        ArgumentNullException.ThrowIfNull(timeProvider);
        if (!wpjCertificate.HasPrivateKey)
        {
            throw new ArgumentException("The WPJ certificate must carry its private key.", nameof(wpjCertificate));
        }

        var now = timeProvider.GetUtcNow();
        var id = deviceId.ToString("D");
        var handler = new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false };
        return handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = id,
            Audience = tokenEndpoint.AbsoluteUri,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = (now + AssertionLifetime).UtcDateTime,
            Claims = new Dictionary<string, object>
            {
                ["sub"] = id,
                ["jti"] = Guid.NewGuid().ToString("D"),
            },
            SigningCredentials = new SigningCredentials(new X509SecurityKey(wpjCertificate), SecurityAlgorithms.RsaSha256),
        });
    }

    private async Task<EntraTokenResponse> SendAsync(Dictionary<string, string> form, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        using var content = new FormUrlEncodedContent(form);
        using var response = await _http.PostAsync(TokenEndpoint, content, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        var status = (int)response.StatusCode;
        try
        {
            using var json = JsonDocument.Parse(body);
            var root = json.RootElement;
            if (response.IsSuccessStatusCode && root.TryGetProperty("access_token", out var accessToken))
            {
                DateTimeOffset? expiresOn = root.TryGetProperty("expires_in", out var expiresIn) && expiresIn.TryGetInt64(out var seconds)
                    ? timeProvider.GetUtcNow().AddSeconds(seconds)
                    : null;
                return new EntraTokenResponse { Succeeded = true, StatusCode = status, AccessToken = accessToken.GetString(), ExpiresOn = expiresOn };
            }

            var codes = root.TryGetProperty("error_codes", out var array) && array.ValueKind == JsonValueKind.Array
                ? array.EnumerateArray().Where(static e => e.ValueKind == JsonValueKind.Number).Select(static e => e.GetInt32()).ToArray()
                : [];
            return new EntraTokenResponse
            {
                StatusCode = status,
                Error = root.TryGetProperty("error", out var error) ? error.GetString() : null,
                ErrorDescription = root.TryGetProperty("error_description", out var description) ? description.GetString() : null,
                ErrorCodes = codes,
            };
        }
        catch (JsonException)
        {
            return new EntraTokenResponse
            {
                StatusCode = status,
                ErrorDescription = string.Create(CultureInfo.InvariantCulture, $"HTTP {status} with a body that is not JSON: {body[..Math.Min(body.Length, 200)]}"),
            };
        }
    }

    private static Uri WithTrailingSlash(Uri uri) =>
        uri.AbsoluteUri.EndsWith('/') ? uri : new Uri(uri.AbsoluteUri + "/");
}

/// <summary>The token endpoint's answer: the token, or Entra's error with its AADSTS codes.</summary>
public sealed record EntraTokenResponse
{
    public bool Succeeded { get; init; }

    public string? AccessToken { get; init; }

    public DateTimeOffset? ExpiresOn { get; init; }

    /// <summary>OAuth error, e.g. <c>invalid_grant</c>.</summary>
    public string? Error { get; init; }

    /// <summary>Starts with <c>AADSTS&lt;code&gt;:</c>.</summary>
    public string? ErrorDescription { get; init; }

    public IReadOnlyList<int> ErrorCodes { get; init; } = [];

    public int StatusCode { get; init; }
}
