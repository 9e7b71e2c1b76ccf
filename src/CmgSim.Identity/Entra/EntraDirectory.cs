using System.Security.Cryptography.X509Certificates;

namespace CmgSim.Identity.Entra;

/// <summary>
/// Lookups over the configured tenants, and the devices' WPJ certificates. Objects are the options' own, so a
/// change such as <see cref="EntraDevice.AccountEnabled"/> = false takes effect on the next request, as an admin's
/// change does in Entra.
/// </summary>
internal sealed class EntraDirectory : IDisposable
{
    private readonly Dictionary<Guid, EntraTenantDefinition> _byId = [];
    private readonly Dictionary<string, EntraTenantDefinition> _byDomain = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<Guid, DeviceKey> _deviceKeys = [];

    public EntraDirectory(EntraTenantOptions options, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        Options = options;
        try
        {
            foreach (var tenant in options.Tenants)
            {
                _byId.Add(tenant.TenantId, tenant);
                _byDomain.Add(tenant.VerifiedDomain, tenant);
                foreach (var device in tenant.Devices)
                {
                    using var certificate = EntraDeviceCertificates.LoadOrCreate(options.KeyDirectory, device, timeProvider);
                    _deviceKeys.Add(device.DeviceId, new DeviceKey(EntraKeyFiles.PublicOnly(certificate), EntraKeyFiles.ExportPfx(certificate)));
                }
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public EntraTenantOptions Options { get; }

    public IEnumerable<EntraTenantDefinition> Tenants => _byId.Values;

    /// <summary>The tenant a URL segment names: its id or its verified domain.</summary>
    public EntraTenantDefinition? FindTenant(string segment) =>
        Guid.TryParse(segment, out var id)
            ? _byId.GetValueOrDefault(id)
            : _byDomain.GetValueOrDefault(segment);

    public EntraTenantDefinition? FindTenant(Guid tenantId) => _byId.GetValueOrDefault(tenantId);

    /// <summary>The tenant whose verified domain the UPN is in (for <c>/common</c> and <c>/organizations</c>).</summary>
    public EntraTenantDefinition? FindTenantOfUser(string userPrincipalName)
    {
        var at = userPrincipalName.LastIndexOf('@');
        return at < 0 ? null : _byDomain.GetValueOrDefault(userPrincipalName[(at + 1)..]);
    }

    public EntraTenantDefinition? FindTenantOfDevice(Guid deviceId) =>
        _byId.Values.FirstOrDefault(t => t.Devices.Any(d => d.DeviceId == deviceId));

    public static EntraAppRegistration? FindApplication(EntraTenantDefinition tenant, string? clientId) =>
        Guid.TryParse(clientId, out var appId) ? tenant.Applications.FirstOrDefault(a => a.AppId == appId) : null;

    /// <summary>An app by App ID URI (case-insensitive, as Entra matches identifier URIs), app id, or <c>api://&lt;app id&gt;</c>.</summary>
    public static EntraAppRegistration? FindResource(EntraTenantDefinition tenant, string resource)
    {
        var byUri = tenant.Applications.FirstOrDefault(a => a.AppIdUri is not null && a.AppIdUri.Equals(resource, StringComparison.OrdinalIgnoreCase));
        if (byUri is not null)
        {
            return byUri;
        }

        var candidate = resource.StartsWith("api://", StringComparison.OrdinalIgnoreCase) ? resource["api://".Length..] : resource;
        return Guid.TryParse(candidate, out var appId) ? tenant.Applications.FirstOrDefault(a => a.AppId == appId) : null;
    }

    public static EntraDevice? FindDevice(EntraTenantDefinition tenant, Guid deviceId) =>
        tenant.Devices.FirstOrDefault(d => d.DeviceId == deviceId);

    public static EntraUser? FindUser(EntraTenantDefinition tenant, string userPrincipalName) =>
        tenant.Users.FirstOrDefault(u => u.UserPrincipalName.Equals(userPrincipalName, StringComparison.OrdinalIgnoreCase));

    /// <summary>The public part of the device's WPJ certificate, which its assertions must be signed with.</summary>
    public X509Certificate2 DevicePublicCertificate(Guid deviceId) => _deviceKeys[deviceId].PublicCertificate;

    /// <summary>A new instance of the device's certificate with its key; the caller owns it.</summary>
    public X509Certificate2 CopyDeviceCertificate(Guid deviceId) => X509CertificateLoader.LoadPkcs12(_deviceKeys[deviceId].Pfx, null);

    public void Dispose()
    {
        foreach (var key in _deviceKeys.Values)
        {
            key.PublicCertificate.Dispose();
        }

        _deviceKeys.Clear();
    }

    private sealed record DeviceKey(X509Certificate2 PublicCertificate, byte[] Pfx);
}
