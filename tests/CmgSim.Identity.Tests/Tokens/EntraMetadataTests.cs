using System.Security.Cryptography;
using System.Text.Json;
using CmgSim.Identity.Tokens;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Tokens;

namespace CmgSim.Identity.Tests.Tokens;

/// <summary>Entra signing keys from OpenID metadata and a JWKS served by a tiny Kestrel on 127.0.0.1 (plain http).</summary>
public sealed class EntraMetadataTests : IAsyncLifetime, IDisposable
{
    private readonly TokenTestKit _kit = new();
    private readonly RSA _rolledKey = RSA.Create(2048);
    private WebApplication? _app;
    private volatile RsaSecurityKey[] _published = [];
    private int _metadataRequests;

    public async Task InitializeAsync()
    {
        _published = [TokenTestKit.PublicOnly(_kit.EntraKey)];
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _app = builder.Build();
        var tenant = _kit.TenantId;
        _app.MapGet($"/{tenant}/v2.0/.well-known/openid-configuration", (HttpContext context) =>
        {
            Interlocked.Increment(ref _metadataRequests);
            var root = $"http://{context.Request.Host}/{tenant}";
            return Results.Json(new Dictionary<string, object> { ["issuer"] = _kit.EntraIssuer, ["jwks_uri"] = $"{root}/discovery/v2.0/keys" });
        });
        _app.MapGet($"/{tenant}/discovery/v2.0/keys", () => Results.Text(Jwks(_published), "application/json"));
        await _app.StartAsync();
    }

    [Fact]
    public async Task Keys_come_from_the_metadata_and_a_rolled_key_is_found_after_one_refresh()
    {
        var validator = CreateValidator();
        var first = _kit.MintEntra(new Dictionary<string, object> { ["idtyp"] = "device", ["deviceid"] = Guid.NewGuid().ToString() });

        Assert.True((await validator.ValidateAsync(first, CancellationToken.None)).IsValid);
        Assert.True((await validator.ValidateAsync(first, CancellationToken.None)).IsValid);
        Assert.Equal(1, _metadataRequests);

        // Key rollover: the tenant now signs with a new key the validator has not seen yet.
        var rolled = new RsaSecurityKey(_rolledKey) { KeyId = "entra-key-2" };
        _published = [TokenTestKit.PublicOnly(_kit.EntraKey), TokenTestKit.PublicOnly(rolled)];
        var second = _kit.MintEntra(new Dictionary<string, object> { ["idtyp"] = "device", ["deviceid"] = Guid.NewGuid().ToString() }, key: rolled);

        var result = await validator.ValidateAsync(second, CancellationToken.None);

        Assert.True(result.IsValid, result.Detail);
        Assert.Equal(2, _metadataRequests);
        Assert.Contains(_kit.Logger.Entries, e => e.EventId.Id == 4103 && e.Message.Contains("entra-key-2", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Unknown_kid_refreshes_once_then_is_UnknownSigningKey_without_refetching_at_every_token()
    {
        var validator = CreateValidator();
        using var stranger = RSA.Create(2048);
        var token = _kit.MintEntra(new Dictionary<string, object> { ["idtyp"] = "app" }, key: new RsaSecurityKey(stranger) { KeyId = "made-up" });

        var first = await validator.ValidateAsync(token, CancellationToken.None);
        var again = await validator.ValidateAsync(token, CancellationToken.None);

        Assert.Equal(TokenRejectReason.UnknownSigningKey, first.Reason);
        Assert.Contains("even after refreshing", first.Detail);
        Assert.Equal(TokenRejectReason.UnknownSigningKey, again.Reason);
        Assert.Equal(2, _metadataRequests);

        _kit.Time.Advance(TenantSigningKeys.MinimumForcedRefreshInterval);
        await validator.ValidateAsync(token, CancellationToken.None);
        Assert.Equal(3, _metadataRequests);
    }

    [Fact]
    public async Task Unreachable_metadata_is_UnknownSigningKey()
    {
        var validator = _kit.CreateValidator(o => o.Tenants =
        [
            new OnboardedTenant { TenantId = _kit.TenantId, Issuer = _kit.EntraIssuer, MetadataAddress = new Uri("http://127.0.0.1:1/nothing/.well-known/openid-configuration") },
        ]);

        var result = await validator.ValidateAsync(_kit.MintEntra(new Dictionary<string, object> { ["idtyp"] = "app" }), CancellationToken.None);

        Assert.Equal(TokenRejectReason.UnknownSigningKey, result.Reason);
        Assert.Contains("unavailable", result.Detail);
    }

    private BearerTokenValidator CreateValidator() => _kit.CreateValidator(o => o.Tenants =
    [
        new OnboardedTenant
        {
            TenantId = _kit.TenantId,
            Issuer = _kit.EntraIssuer,
            MetadataAddress = new Uri($"{_app!.Urls.First()}/{_kit.TenantId}/v2.0/.well-known/openid-configuration"),
        },
    ]);

    private static string Jwks(IEnumerable<RsaSecurityKey> keys) => JsonSerializer.Serialize(new
    {
        keys = keys.Select(k =>
        {
            var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(k);
            return new Dictionary<string, string> { ["kty"] = "RSA", ["use"] = "sig", ["kid"] = k.KeyId, ["n"] = jwk.N, ["e"] = jwk.E };
        }),
    });

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }

    public void Dispose()
    {
        _rolledKey.Dispose();
        _kit.Dispose();
    }
}
