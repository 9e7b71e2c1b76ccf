using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace CmgSim.Client.TokenAuthentication;

/// <summary>
/// A token client's CCM token (cmg-facts §2.5): exchanged at <c>CCM_STS</c> for the client's credential
/// (Entra token, bulk registration token, later its site client token), cached, and exchanged again when it
/// is within <see cref="RefreshBefore"/> of expiry, as CcmMessaging does.
/// </summary>
public sealed class CcmTokenSource : IDisposable
{
    public const string StsStep = "CCM_STS";
    public const string RenewStep = "Client token renewal";

    /// <summary>Marks a request that must go without a bearer token (AADAuthInfo, metadata).</summary>
    public static readonly HttpRequestOptionsKey<bool> Anonymous = new("CmgSim.Anonymous");

    private readonly HttpClient _http;
    private readonly string _stsUrl;
    private readonly TimeProvider _timeProvider;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private IClientCredentialProvider _credentials;
    private ClientCredential? _credential;
    private string? _ccmToken;
    private DateTimeOffset _ccmTokenExpiresOn;

    /// <param name="http">The client's HTTP client; its <see cref="BearerTokenHandler"/> skips requests that carry their own credential.</param>
    /// <param name="stsUrl">E.g. <c>https://svc/CCM_Proxy_ServerAuth/72057594037927939/CCM_STS</c>.</param>
    public CcmTokenSource(HttpClient http, Uri stsUrl, IClientCredentialProvider credentials, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(stsUrl);
        ArgumentNullException.ThrowIfNull(credentials);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _http = http;
        _stsUrl = stsUrl.AbsoluteUri;
        _credentials = credentials;
        _timeProvider = timeProvider;
    }

    public TimeSpan RefreshBefore { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>What the current CCM token was issued for (<c>Device</c>, <c>UDA</c>, <c>BulkRegistration</c>, <c>ClientToken</c>).</summary>
    public string? TokenType { get; private set; }

    public DateTimeOffset CcmTokenExpiresOn => _ccmTokenExpiresOn;

    /// <summary>How many CCM tokens were obtained (the first and every refresh).</summary>
    public int Exchanges { get; private set; }

    /// <summary>Gets the credential and the first CCM token, as steps for the client's step table.</summary>
    public async Task<IReadOnlyList<ClientStepResult>> AcquireAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var steps = new List<ClientStepResult>();
            var (credential, credentialSteps) = await _credentials.GetAsync(cancellationToken);
            steps.AddRange(credentialSteps);
            if (credential is null)
            {
                return steps;
            }

            _credential = credential;
            steps.Add(await ExchangeAsync(StsStep, renewClientToken: false, cancellationToken));
            return steps;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// After a bulk-token registration: from now on the site client token is the credential, and the
    /// CCM token issued for the bulk token (good only for registration) is dropped.
    /// </summary>
    public void UseSiteClientToken(string clientToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(clientToken);
        var credential = new ClientCredential("site client token", clientToken);
        _credentials = new StaticCredentialProvider(credential);
        _credential = credential;
        _ccmToken = null;
    }

    /// <summary>Renews the site client token for another 90 days (monthly, at client start, while it is still valid).</summary>
    public async Task<ClientStepResult> RenewSiteClientTokenAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            return await ExchangeAsync(RenewStep, renewClientToken: true, cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The current CCM token, exchanged again when it is missing or close to expiry.</summary>
    /// <exception cref="HttpRequestException">CCM_STS refused the credential.</exception>
    public async ValueTask<string> GetCcmTokenAsync(CancellationToken cancellationToken)
    {
        if (_ccmToken is { } token && _timeProvider.GetUtcNow() < _ccmTokenExpiresOn - RefreshBefore)
        {
            return token;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_ccmToken is { } fresh && _timeProvider.GetUtcNow() < _ccmTokenExpiresOn - RefreshBefore)
            {
                return fresh;
            }

            if (_credential is null || _timeProvider.GetUtcNow() >= _ccmTokenExpiresOn - RefreshBefore)
            {
                // An Entra token lives an hour; get a fresh one for every CCM token.
                var (credential, steps) = await _credentials.GetAsync(cancellationToken);
                _credential = credential ?? throw new HttpRequestException($"No credential for CCM_STS: {string.Join("; ", steps.Where(static s => !s.Succeeded).Select(static s => s.Detail))}");
            }

            var step = await ExchangeAsync(StsStep, renewClientToken: false, cancellationToken);
            return step.Succeeded ? _ccmToken! : throw new HttpRequestException($"CCM_STS refused the {_credential.Kind}: {step.Detail}", null, step.Status is { } status ? (HttpStatusCode)status : null);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<ClientStepResult> ExchangeAsync(string step, bool renewClientToken, CancellationToken cancellationToken)
    {
        var started = _timeProvider.GetTimestamp();
        var url = renewClientToken ? _stsUrl + "?RenewClientToken=1" : _stsUrl;
        int? status = null;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent([]) };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _credential!.Token);
            request.Headers.UserAgent.ParseAdd("ccmhttp");
            using var response = await _http.SendAsync(request, cancellationToken);
            status = (int)response.StatusCode;
            if (!response.IsSuccessStatusCode)
            {
                var code = response.Headers.TryGetValues("X-CmgSim-Error", out var values) ? values.FirstOrDefault() : response.ReasonPhrase;
                return Result(false, $"HTTP {status} {code}: CCM_STS refused the {_credential.Kind}");
            }

            var reply = await response.Content.ReadFromJsonAsync<StsReply>(cancellationToken)
                ?? throw new JsonException("CCM_STS returned no body.");
            _ccmToken = reply.CcmToken;
            _ccmTokenExpiresOn = reply.ExpiresOn;
            TokenType = reply.TokenType;
            Exchanges++;
            if (renewClientToken)
            {
                if (reply.ClientToken is null)
                {
                    return Result(false, "CCM_STS renewed no client token");
                }

                UseSiteClientToken(reply.ClientToken);
                _ccmToken = reply.CcmToken;
                return Result(true, $"Site client token renewed, valid to {reply.ClientTokenExpiresOn?.ToString("u", CultureInfo.InvariantCulture)}");
            }

            return Result(true, $"CCM token ({reply.TokenType}) for the {_credential.Kind}, valid to {reply.ExpiresOn.ToString("u", CultureInfo.InvariantCulture)}");
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException or NotSupportedException
            || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return Result(false, $"{ex.GetType().Name}: {ex.Message}");
        }

        ClientStepResult Result(bool succeeded, string detail) =>
            new(step, url, status, _timeProvider.GetElapsedTime(started), succeeded, detail);
    }

    public void Dispose() => _gate.Dispose();

    private sealed record StsReply(
        [property: JsonPropertyName("tokenType")] string TokenType,
        [property: JsonPropertyName("ccmToken")] string CcmToken,
        [property: JsonPropertyName("expiresOn")] DateTimeOffset ExpiresOn,
        [property: JsonPropertyName("clientToken")] string? ClientToken,
        [property: JsonPropertyName("clientTokenExpiresOn")] DateTimeOffset? ClientTokenExpiresOn);
}
