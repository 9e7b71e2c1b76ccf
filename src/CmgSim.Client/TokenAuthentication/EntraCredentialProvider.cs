using System.Net.Http.Json;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Serialization;
using CmgSim.Identity.Entra;

namespace CmgSim.Client.TokenAuthentication;

/// <summary>
/// An Entra-joined device's credential (cmg-facts §2.3, azure-ccmsetup): optionally ask the CMG's
/// <c>AADAuthInfo</c> for the client app and resource of the device's tenant, then request a device token
/// with the workplace-join certificate, and fall back to a user token when the device token fails.
/// </summary>
public sealed class EntraCredentialProvider : IClientCredentialProvider
{
    public const string AadAuthInfoStep = "AADAuthInfo";
    public const string DeviceTokenStep = "Entra device token";
    public const string UserTokenStep = "Entra user token";

    private readonly HttpClient _entraHttp;
    private readonly EntraTokenClient _tokens;
    private readonly EntraDeviceCredential _device;
    private readonly EntraUserCredential? _user;
    private readonly TimeProvider _timeProvider;
    private Guid _clientAppId;
    private string _resource;

    /// <param name="entraHttp">Reaches the Entra tenant (trusts its certificate).</param>
    /// <param name="authority">The tenant's authority, e.g. <c>https://127.0.0.1:8444/&lt;tenantId&gt;/</c>.</param>
    /// <param name="clientAppId">ccmsetup's <c>AADCLIENTAPPID</c>; replaced by what AADAuthInfo says when that is asked.</param>
    /// <param name="resource">ccmsetup's <c>AADRESOURCEURI</c>, the server app's App ID URI.</param>
    public EntraCredentialProvider(HttpClient entraHttp, Uri authority, Guid clientAppId, string resource, EntraDeviceCredential device, EntraUserCredential? user, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(entraHttp);
        ArgumentNullException.ThrowIfNull(device);
        _entraHttp = entraHttp;
        _tokens = new EntraTokenClient(entraHttp, authority);
        _clientAppId = clientAppId;
        _resource = resource;
        _device = device;
        _user = user;
        _timeProvider = timeProvider;
    }

    /// <summary>When set, the first <see cref="GetAsync"/> asks the CMG for the Entra parameters (ccmsetup without AAD properties).</summary>
    public (HttpClient Cmg, Uri AadAuthInfoUrl)? Discovery { get; init; }

    public async Task<(ClientCredential? Credential, IReadOnlyList<ClientStepResult> Steps)> GetAsync(CancellationToken cancellationToken)
    {
        var steps = new List<ClientStepResult>();
        if (Discovery is { } discovery)
        {
            var step = await DiscoverAsync(discovery.Cmg, discovery.AadAuthInfoUrl, cancellationToken);
            steps.Add(step);
            if (!step.Succeeded)
            {
                return (null, steps);
            }
        }

        var device = await RequestAsync(DeviceTokenStep, ct => _tokens.AcquireDeviceTokenAsync(_clientAppId, _resource, _device.DeviceId, _device.WpjCertificate, _timeProvider, ct), cancellationToken);
        steps.Add(device.Step);
        if (device.Token is { } deviceToken)
        {
            return (new ClientCredential("Entra device token", deviceToken), steps);
        }

        if (_user is null)
        {
            return (null, steps);
        }

        // "Device token fails → falls back to user token" (cmg-facts §8.5): the user's token, bound to this device.
        var user = await RequestAsync(UserTokenStep, ct => _tokens.AcquireUserTokenAsync(_clientAppId, _resource, _user.UserPrincipalName, _user.Password, (_device.DeviceId, _device.WpjCertificate), _timeProvider, ct), cancellationToken);
        steps.Add(user.Step);
        return (user.Token is { } userToken ? new ClientCredential("Entra user token", userToken) : null, steps);
    }

    private async Task<(ClientStepResult Step, string? Token)> RequestAsync(string step, Func<CancellationToken, Task<EntraTokenResponse>> request, CancellationToken cancellationToken)
    {
        var started = _timeProvider.GetTimestamp();
        try
        {
            var response = await request(cancellationToken);
            var elapsed = _timeProvider.GetElapsedTime(started);
            return response is { Succeeded: true, AccessToken: { } token }
                ? (new ClientStepResult(step, _tokens.TokenEndpoint.AbsoluteUri, response.StatusCode, elapsed, true, $"Token for {_resource}, expires {response.ExpiresOn:u}"), token)
                : (new ClientStepResult(step, _tokens.TokenEndpoint.AbsoluteUri, response.StatusCode, elapsed, false, $"{response.Error}: {response.ErrorDescription}"), null);
        }
        catch (HttpRequestException ex)
        {
            return (new ClientStepResult(step, _tokens.TokenEndpoint.AbsoluteUri, null, _timeProvider.GetElapsedTime(started), false, $"{ex.GetType().Name}: {ex.Message}"), null);
        }
    }

    private async Task<ClientStepResult> DiscoverAsync(HttpClient cmg, Uri url, CancellationToken cancellationToken)
    {
        var started = _timeProvider.GetTimestamp();
        int? status = null;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Options.Set(CcmTokenSource.Anonymous, true);
            using var response = await cmg.SendAsync(request, cancellationToken);
            status = (int)response.StatusCode;
            if (!response.IsSuccessStatusCode)
            {
                return Result(false, $"HTTP {status} {response.ReasonPhrase}: the CMG gave no Entra parameters for this tenant");
            }

            var info = await response.Content.ReadFromJsonAsync<AadAuthInfo>(cancellationToken) ?? throw new JsonException("AADAuthInfo returned no body.");
            _clientAppId = Guid.Parse(info.ClientAppId);
            _resource = info.ResourceUri;
            return Result(true, $"AADCLIENTAPPID {info.ClientAppId}, AADRESOURCEURI {info.ResourceUri}");
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException or FormatException)
        {
            return Result(false, $"{ex.GetType().Name}: {ex.Message}");
        }

        ClientStepResult Result(bool succeeded, string detail) => new(AadAuthInfoStep, url.AbsoluteUri, status, _timeProvider.GetElapsedTime(started), succeeded, detail);
    }

    private sealed record AadAuthInfo(
        [property: JsonPropertyName("AADCLIENTAPPID")] string ClientAppId,
        [property: JsonPropertyName("AADRESOURCEURI")] string ResourceUri);
}

/// <summary>The Entra-joined device: its id and its workplace-join certificate with the key.</summary>
public sealed record EntraDeviceCredential(Guid DeviceId, X509Certificate2 WpjCertificate);

/// <summary>The signed-in user, for the user-token fallback.</summary>
public sealed record EntraUserCredential(string UserPrincipalName, string Password);
