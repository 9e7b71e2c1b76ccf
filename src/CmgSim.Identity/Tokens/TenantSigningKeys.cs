using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace CmgSim.Identity.Tokens;

/// <summary>
/// The signing keys of one onboarded tenant: fixed ones, or the JWKS behind its OpenID metadata through a
/// <see cref="ConfigurationManager{T}"/> (cached, refreshed every 12 h by IdentityModel).
/// </summary>
internal sealed class TenantSigningKeys
{
    // Bounds how often tokens with made-up kids can make us fetch the tenant's metadata.
    internal static readonly TimeSpan MinimumForcedRefreshInterval = TimeSpan.FromSeconds(10);

    private readonly IReadOnlyList<SecurityKey>? _fixedKeys;
    private readonly string? _metadataAddress;
    private readonly IDocumentRetriever? _retriever;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private ConfigurationManager<OpenIdConnectConfiguration>? _manager;
    private Task<bool>? _refresh;
    private long _lastForcedRefresh;
    private bool _forcedRefreshDone;

    public TenantSigningKeys(OnboardedTenant tenant, HttpClient? httpClient, TimeProvider timeProvider, ILogger logger)
    {
        Tenant = tenant;
        _timeProvider = timeProvider;
        _logger = logger;
        if (tenant.SigningKeys is { Count: > 0 } keys)
        {
            _fixedKeys = [.. keys];
            return;
        }

        if (tenant.MetadataAddress is null || httpClient is null)
        {
            throw new ArgumentException($"Onboarded tenant {tenant.TenantId} needs a MetadataAddress or SigningKeys.", nameof(tenant));
        }

        _metadataAddress = tenant.MetadataAddress.AbsoluteUri;

        // Plain http only when the configuration says so (a test's metadata host); Entra itself is https.
        _retriever = new HttpDocumentRetriever(httpClient) { RequireHttps = tenant.MetadataAddress.Scheme == Uri.UriSchemeHttps };
        _manager = NewManager();
    }

    public OnboardedTenant Tenant { get; }

    /// <summary>The key with this <c>kid</c>; on a miss the metadata is fetched again once (key rollover) before giving up.</summary>
    public async ValueTask<(SecurityKey? Key, string Problem)> FindAsync(string kid, CancellationToken ct)
    {
        var unknown = $"IDX10503: Signature validation failed. The token's kid is: '{TokenText.Quote(kid)}', but did not match any signing key of tenant {Tenant.TenantId}";
        if (_fixedKeys is not null)
        {
            return (Match(_fixedKeys, kid), unknown + ".");
        }

        ICollection<SecurityKey> keys;
        try
        {
            keys = (await Volatile.Read(ref _manager)!.GetConfigurationAsync(ct)).SigningKeys;
        }
        catch (InvalidOperationException ex)
        {
            return (null, $"The signing keys of tenant {Tenant.TenantId} are unavailable: {TokenText.Describe(ex)}");
        }

        if (Match(keys, kid) is { } key)
        {
            return (key, string.Empty);
        }

        var refreshed = await RefreshAsync(kid);
        keys = (await Volatile.Read(ref _manager)!.GetConfigurationAsync(ct)).SigningKeys;
        return (Match(keys, kid), refreshed
            ? unknown + ", even after refreshing its metadata."
            : unknown + $" (its metadata was refreshed less than {MinimumForcedRefreshInterval.TotalSeconds:0} s ago).");
    }

    /// <summary>
    /// Fetches the metadata again through a new ConfigurationManager: in IdentityModel 8.x RequestRefresh only
    /// schedules a background fetch, while a new manager's first GetConfigurationAsync waits for the document.
    /// Concurrent callers share one fetch.
    /// </summary>
    private Task<bool> RefreshAsync(string kid)
    {
        lock (_gate)
        {
            if (_refresh is { IsCompleted: false } running)
            {
                return running;
            }

            var now = _timeProvider.GetTimestamp();
            if (_forcedRefreshDone && _timeProvider.GetElapsedTime(_lastForcedRefresh, now) < MinimumForcedRefreshInterval)
            {
                return Task.FromResult(false);
            }

            _forcedRefreshDone = true;
            _lastForcedRefresh = now;
            _refresh = FetchAsync(kid);
            return _refresh;
        }
    }

    private async Task<bool> FetchAsync(string kid)
    {
        var manager = NewManager();
        try
        {
            // Shared by every waiting caller, so no single caller's cancellation applies.
            var configuration = await manager.GetConfigurationAsync(CancellationToken.None);
            Volatile.Write(ref _manager, manager);
            TokenLog.MetadataRefreshed(_logger, Tenant.TenantId, TokenText.Quote(kid), configuration.SigningKeys.Count);
            return true;
        }
        catch (InvalidOperationException ex)
        {
            TokenLog.MetadataRefreshFailed(_logger, Tenant.TenantId, TokenText.Describe(ex));
            return false;
        }
    }

    private ConfigurationManager<OpenIdConnectConfiguration> NewManager() =>
        new(_metadataAddress!, new OpenIdConnectConfigurationRetriever(), _retriever!);

    private static SecurityKey? Match(IEnumerable<SecurityKey> keys, string kid) =>
        keys.FirstOrDefault(k => string.Equals(k.KeyId, kid, StringComparison.Ordinal));
}
