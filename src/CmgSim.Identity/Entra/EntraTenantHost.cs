using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using CmgSim.Core.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CmgSim.Identity.Entra;

/// <summary>
/// The local Microsoft Entra ID on its own HTTPS listener, in Entra's v2 URL shapes, so unmodified MSAL.NET gets
/// tokens from it (authority <see cref="AuthorityFor"/>, instance discovery off or pointed here).
/// </summary>
public sealed class EntraTenantHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly EntraDirectory _directory;
    private readonly ILogger _logger;

    private EntraTenantHost(WebApplication app, Uri url, EntraSigningKeys signingKeys, EntraTenantOptions options)
    {
        _app = app;
        Url = url;
        SigningKeys = signingKeys;
        Options = options;
        _directory = app.Services.GetRequiredService<EntraDirectory>();
        _logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger<EntraTenantHost>();
    }

    /// <summary>The base URL, e.g. <c>https://127.0.0.1:PORT/</c>.</summary>
    public Uri Url { get; }

    public EntraSigningKeys SigningKeys { get; }

    public EntraTenantOptions Options { get; }

    /// <exception cref="OptionsValidationException">The options have problems (all of them are listed).</exception>
    public static async Task<EntraTenantHost> StartAsync(EntraTenantHostSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var options = settings.Options;
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new OptionsValidationException(nameof(EntraTenantOptions), typeof(EntraTenantOptions), errors);
        }

        var keys = EntraSigningKeys.LoadOrCreate(options.KeyDirectory, settings.TimeProvider, options.ActiveSigningKeyId);
        WebApplication? app = null;
        try
        {
            var builder = RoleHostBuilder.Create(settings.LoggerFactory, settings.TimeProvider, settings.ShutdownTimeout);
            builder.WebHost.UseKestrel(kestrel => kestrel.Listen(settings.Endpoint, listen => listen.UseHttps(new HttpsConnectionAdapterOptions
            {
                ServerCertificate = settings.ServerCertificate,
                ServerCertificateChain = settings.ServerCertificateChain,
                SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            })));
            builder.Services.AddEntraTenant(options, keys);
            app = builder.Build();
            app.MapEntraTenant();
            await app.StartAsync(cancellationToken);

            var url = app.BoundAddresses()[0];
            app.Services.GetRequiredService<EntraUrls>().BaseUrl = url.AbsoluteUri;
            var host = new EntraTenantHost(app, url, keys, options);
            EntraLog.Started(
                host._logger, url, string.Join(", ", options.Tenants.Select(static t => $"{t.DisplayName} {t.TenantId} ({t.VerifiedDomain})")),
                keys.Active.KeyId, options.KeyDirectory ?? "memory");
            return host;
        }
        catch
        {
            if (app is not null)
            {
                await app.DisposeAsync();
            }

            keys.Dispose();
            throw;
        }
    }

    /// <summary>The MSAL authority of a tenant: <c>{Url}{tenantId}/</c>.</summary>
    public string AuthorityFor(Guid tenantId) => $"{Url.AbsoluteUri}{EntraUrls.TenantSegment(tenantId)}/";

    /// <summary>The <c>iss</c> of the tenant's tokens: <c>https://127.0.0.1:PORT/{tenantId}/v2.0</c>.</summary>
    public string IssuerFor(Guid tenantId) => EntraUrls.Issuer(Url.AbsoluteUri, EntraUrls.TenantSegment(tenantId));

    /// <summary><c>{Url}{tenantId}/oauth2/v2.0/token</c>, the <c>aud</c> of client and device assertions.</summary>
    public string TokenEndpointFor(Guid tenantId) => EntraUrls.TokenEndpoint(Url.AbsoluteUri, EntraUrls.TenantSegment(tenantId));

    /// <summary><c>{Url}{tenantId}/discovery/v2.0/keys</c>.</summary>
    public string JwksUriFor(Guid tenantId) => $"{Url.AbsoluteUri}{EntraUrls.TenantSegment(tenantId)}/discovery/v2.0/keys";

    /// <summary>New tokens are signed with the other key; both stay in the JWKS.</summary>
    public void RolloverSigningKey()
    {
        var previous = SigningKeys.Active;
        var next = SigningKeys.Rollover();
        EntraLog.SigningKeyRolledOver(_logger, next.KeyId, previous.KeyId);
    }

    /// <summary>
    /// The WPJ certificate with its key of the device <paramref name="displayName"/> (a new instance the caller owns).
    /// With a <see cref="EntraTenantOptions.KeyDirectory"/> the same key is in
    /// <see cref="EntraDeviceCertificates.PathFor"/>, where a simulated client reads it.
    /// </summary>
    /// <exception cref="KeyNotFoundException">No such tenant or device.</exception>
    public X509Certificate2 GetDeviceCertificate(Guid tenantId, string displayName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(displayName);
        var tenant = _directory.FindTenant(tenantId) ?? throw new KeyNotFoundException($"Tenant {tenantId} is not in this Entra ID.");
        var device = tenant.Devices.FirstOrDefault(d => d.DisplayName.Equals(displayName, StringComparison.OrdinalIgnoreCase))
            ?? throw new KeyNotFoundException($"Device '{displayName}' is not in tenant {tenant.DisplayName}.");
        return _directory.CopyDeviceCertificate(device.DeviceId);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        SigningKeys.Dispose();
    }
}
