using System.Globalization;
using System.Security.Cryptography.X509Certificates;

namespace CmgSim.Identity.Entra;

/// <summary>
/// The local Microsoft Entra ID: its tenants with their app registrations, devices and users, and where the
/// signing keys and device (WPJ) certificates live.
/// </summary>
public sealed class EntraTenantOptions
{
    /// <summary>Entra's longest configurable token lifetime; shorter than its 10-minute minimum is allowed here, for tests.</summary>
    public static readonly TimeSpan MaxAccessTokenLifetime = TimeSpan.FromDays(1);

    public List<EntraTenantDefinition> Tenants { get; } = [];

    /// <summary>
    /// Folder for the two signing keys (<c>signing-key-1.pfx</c>, <c>signing-key-2.pfx</c>, <c>signing-active-kid.txt</c>)
    /// and the device certificates (<c>devices/&lt;DisplayName&gt;.pfx</c>); <see langword="null"/> keeps everything in memory.
    /// </summary>
    public string? KeyDirectory { get; set; }

    /// <summary>Entra's default is 60–90 minutes with a random part; 3599 s is what <c>expires_in</c> says for app tokens.</summary>
    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromSeconds(3599);

    /// <summary>The <c>kid</c> to sign with at start; <see langword="null"/> keeps the persisted choice (key 1 at first).</summary>
    public string? ActiveSigningKeyId { get; set; }

    /// <summary>
    /// The lab's directory: tenant "Contoso" (contoso.com) with the CMG server and client apps, one device and one
    /// user per name; tenant "Fabrikam" (fabrikam.com) with its own apps, device and user, which the lab site does
    /// not onboard. Every id is fixed or derived from a name, so two runs produce the same directory.
    /// </summary>
    public static EntraTenantOptions CreateLabDefaults(IEnumerable<string> deviceNames)
    {
        ArgumentNullException.ThrowIfNull(deviceNames);
        var options = new EntraTenantOptions();
        options.Tenants.Add(EntraLabDefaults.CreateTenant(
            EntraLabDefaults.ContosoTenantId, "Contoso", EntraLabDefaults.ContosoDomain,
            EntraLabDefaults.ContosoServerAppId, EntraLabDefaults.ContosoServerAppObjectId, EntraLabDefaults.ServerAppSecret,
            EntraLabDefaults.ContosoClientAppId, EntraLabDefaults.ContosoClientAppObjectId,
            deviceNames, EntraLabDefaults.ContosoSidPrefix));
        options.Tenants.Add(EntraLabDefaults.CreateTenant(
            EntraLabDefaults.FabrikamTenantId, "Fabrikam", EntraLabDefaults.FabrikamDomain,
            EntraLabDefaults.FabrikamServerAppId, EntraLabDefaults.FabrikamServerAppObjectId, EntraLabDefaults.FabrikamServerAppSecret,
            EntraLabDefaults.FabrikamClientAppId, EntraLabDefaults.FabrikamClientAppObjectId,
            [EntraLabDefaults.FabrikamDeviceName], EntraLabDefaults.FabrikamSidPrefix));
        return options;
    }

    /// <summary>Every problem with these options at once; empty when they are usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Tenants.Count == 0)
        {
            errors.Add("Tenants is empty; at least one tenant is needed.");
        }

        if (KeyDirectory is not null && string.IsNullOrWhiteSpace(KeyDirectory))
        {
            errors.Add("KeyDirectory is blank; leave it null to keep keys in memory.");
        }

        if (AccessTokenLifetime <= TimeSpan.Zero || AccessTokenLifetime > MaxAccessTokenLifetime)
        {
            errors.Add($"AccessTokenLifetime is {AccessTokenLifetime}; it must be positive and at most {MaxAccessTokenLifetime}.");
        }

        if (ActiveSigningKeyId is not null && string.IsNullOrWhiteSpace(ActiveSigningKeyId))
        {
            errors.Add("ActiveSigningKeyId is blank; leave it null to use the persisted active key.");
        }
        else if (ActiveSigningKeyId is not null && KeyDirectory is null)
        {
            errors.Add("ActiveSigningKeyId needs a KeyDirectory: in-memory keys are new on every start, so no kid can name one.");
        }

        var tenantIds = new HashSet<Guid>();
        var domains = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

        // Device certificates are files named after the device, so names must be unique across tenants.
        var deviceNames = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var deviceIds = new HashSet<Guid>();
        for (var t = 0; t < Tenants.Count; t++)
        {
            var tenant = Tenants[t];
            if (tenant is null)
            {
                errors.Add($"Tenants[{t}] is null.");
                continue;
            }

            var where = $"Tenant '{tenant.DisplayName}' ({tenant.TenantId})";
            if (tenant.TenantId == Guid.Empty)
            {
                errors.Add($"Tenants[{t}].TenantId is empty.");
            }
            else if (!tenantIds.Add(tenant.TenantId))
            {
                errors.Add($"{where}: TenantId is used by another tenant.");
            }

            if (string.IsNullOrWhiteSpace(tenant.DisplayName))
            {
                errors.Add($"Tenants[{t}].DisplayName is required.");
            }

            if (string.IsNullOrWhiteSpace(tenant.VerifiedDomain) || Uri.CheckHostName(tenant.VerifiedDomain) != UriHostNameType.Dns || !tenant.VerifiedDomain.Contains('.', StringComparison.Ordinal))
            {
                errors.Add($"{where}: VerifiedDomain '{tenant.VerifiedDomain}' must be a DNS domain name such as contoso.com.");
            }
            else if (IsReservedTenantName(tenant.VerifiedDomain) || !domains.Add(tenant.VerifiedDomain))
            {
                errors.Add($"{where}: VerifiedDomain '{tenant.VerifiedDomain}' is already verified by another tenant.");
            }

            ValidateApplications(tenant, where, errors);
            ValidateDevices(tenant, where, deviceNames, deviceIds, errors);
            ValidateUsers(tenant, where, errors);
        }

        return errors;
    }

    internal static bool IsReservedTenantName(string value) =>
        value.Equals("common", StringComparison.OrdinalIgnoreCase)
        || value.Equals("organizations", StringComparison.OrdinalIgnoreCase)
        || value.Equals("consumers", StringComparison.OrdinalIgnoreCase);

    private static void ValidateApplications(EntraTenantDefinition tenant, string where, List<string> errors)
    {
        var appIds = new HashSet<Guid>();
        var objectIds = new HashSet<Guid>();
        var appIdUris = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var a = 0; a < tenant.Applications.Count; a++)
        {
            var app = tenant.Applications[a];
            if (app is null)
            {
                errors.Add($"{where}: Applications[{a}] is null.");
                continue;
            }

            var name = $"{where}: application '{app.DisplayName}' ({app.AppId})";
            if (string.IsNullOrWhiteSpace(app.DisplayName))
            {
                errors.Add($"{where}: Applications[{a}].DisplayName is required.");
            }

            if (app.AppId == Guid.Empty)
            {
                errors.Add($"{where}: Applications[{a}].AppId is empty.");
            }
            else if (!appIds.Add(app.AppId))
            {
                errors.Add($"{name}: AppId is used by another application of the tenant.");
            }

            if (app.ObjectId == Guid.Empty)
            {
                errors.Add($"{where}: Applications[{a}].ObjectId (service principal) is empty.");
            }
            else if (!objectIds.Add(app.ObjectId))
            {
                errors.Add($"{name}: ObjectId is used by another service principal of the tenant.");
            }

            if (app.AppIdUri is not null)
            {
                // Entra takes api://…, https://… (verified domain) and a few others; a scope is built as "<uri>/.default".
                if (!Uri.TryCreate(app.AppIdUri, UriKind.Absolute, out _) || app.AppIdUri.EndsWith('/'))
                {
                    errors.Add($"{name}: AppIdUri '{app.AppIdUri}' must be an absolute URI without a trailing slash (e.g. https://ConfigMgrService or api://<tenant>/<name>).");
                }
                else if (!appIdUris.Add(app.AppIdUri))
                {
                    errors.Add($"{name}: AppIdUri '{app.AppIdUri}' must be unique in the tenant.");
                }
            }

            if (app.ClientSecrets.Any(string.IsNullOrEmpty))
            {
                errors.Add($"{name}: ClientSecrets holds an empty secret.");
            }

            if (app.Certificates.Any(static c => c is null))
            {
                errors.Add($"{name}: Certificates holds a null certificate.");
            }

            if (app.AppRoles.Any(string.IsNullOrWhiteSpace))
            {
                errors.Add($"{name}: AppRoles holds a blank role.");
            }
        }
    }

    private static void ValidateDevices(EntraTenantDefinition tenant, string where, HashSet<string> deviceNames, HashSet<Guid> deviceIds, List<string> errors)
    {
        for (var d = 0; d < tenant.Devices.Count; d++)
        {
            var device = tenant.Devices[d];
            if (device is null)
            {
                errors.Add($"{where}: Devices[{d}] is null.");
                continue;
            }

            if (device.DeviceId == Guid.Empty)
            {
                errors.Add($"{where}: Devices[{d}].DeviceId is empty.");
            }
            else if (!deviceIds.Add(device.DeviceId))
            {
                errors.Add($"{where}: device '{device.DisplayName}': DeviceId {device.DeviceId} is used by another device.");
            }

            if (string.IsNullOrWhiteSpace(device.DisplayName)
                || device.DisplayName.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0
                || device.DisplayName.IndexOfAny(['/', '\\', ':', '*', '?', '"', '<', '>', '|']) >= 0
                || device.DisplayName is "." or "..")
            {
                errors.Add($"{where}: Devices[{d}].DisplayName '{device.DisplayName}' must be a plain name; it names the device's certificate file.");
            }
            else if (!deviceNames.Add(device.DisplayName))
            {
                errors.Add($"{where}: device name '{device.DisplayName}' is used by another device (names must be unique across tenants).");
            }
        }
    }

    private static void ValidateUsers(EntraTenantDefinition tenant, string where, List<string> errors)
    {
        var objectIds = new HashSet<Guid>();
        var upns = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var u = 0; u < tenant.Users.Count; u++)
        {
            var user = tenant.Users[u];
            if (user is null)
            {
                errors.Add($"{where}: Users[{u}] is null.");
                continue;
            }

            if (user.ObjectId == Guid.Empty)
            {
                errors.Add($"{where}: Users[{u}].ObjectId is empty.");
            }
            else if (!objectIds.Add(user.ObjectId))
            {
                errors.Add($"{where}: user '{user.UserPrincipalName}': ObjectId is used by another user.");
            }

            var at = user.UserPrincipalName?.LastIndexOf('@') ?? -1;
            if (at <= 0 || !user.UserPrincipalName![(at + 1)..].Equals(tenant.VerifiedDomain, StringComparison.OrdinalIgnoreCase))
            {
                errors.Add($"{where}: Users[{u}].UserPrincipalName '{user.UserPrincipalName}' must be name@{tenant.VerifiedDomain} (the tenant's verified domain).");
            }
            else if (!upns.Add(user.UserPrincipalName))
            {
                errors.Add($"{where}: UserPrincipalName '{user.UserPrincipalName}' is used by another user.");
            }

            if (string.IsNullOrEmpty(user.Password))
            {
                errors.Add($"{where}: user '{user.UserPrincipalName}' has no password.");
            }

            if (user.OnPremisesSid is not null && !IsSid(user.OnPremisesSid))
            {
                errors.Add($"{where}: user '{user.UserPrincipalName}': OnPremisesSid '{user.OnPremisesSid}' is not a SID (S-1-5-21-…).");
            }
        }
    }

    private static bool IsSid(string value)
    {
        var parts = value.Split('-');
        return parts.Length >= 3
            && parts[0] == "S"
            && parts.Skip(1).All(static p => p.Length > 0 && ulong.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out _));
    }
}

/// <summary>One Entra tenant: <c>{tenant}</c> in URLs is its id or its verified domain.</summary>
public sealed class EntraTenantDefinition
{
    public Guid TenantId { get; set; }

    public string DisplayName { get; set; } = "";

    public string VerifiedDomain { get; set; } = "";

    public List<EntraAppRegistration> Applications { get; } = [];

    public List<EntraDevice> Devices { get; } = [];

    public List<EntraUser> Users { get; } = [];
}

/// <summary>An app registration and its service principal in the tenant.</summary>
public sealed class EntraAppRegistration
{
    /// <summary>Application (client) id.</summary>
    public Guid AppId { get; set; }

    /// <summary>The service principal's object id: <c>oid</c>/<c>sub</c> of the app's own tokens.</summary>
    public Guid ObjectId { get; set; }

    public string DisplayName { get; set; } = "";

    /// <summary>The resource identifier (<c>aud</c> of tokens for this app), e.g. <c>https://ConfigMgrService</c>.</summary>
    public string? AppIdUri { get; set; }

    public List<string> ClientSecrets { get; } = [];

    /// <summary>Public certificates whose keys may sign client assertions (private_key_jwt).</summary>
    public List<X509Certificate2> Certificates { get; } = [];

    /// <summary>"Allow public client flows": device and password grants without a secret.</summary>
    public bool AllowPublicClientFlows { get; set; }

    /// <summary>Application roles granted to this app as a client; its app tokens carry them in <c>roles</c>.</summary>
    public List<string> AppRoles { get; } = [];
}

/// <summary>An Entra-joined device; it proves itself with the key of its WPJ certificate.</summary>
public sealed class EntraDevice
{
    public Guid DeviceId { get; set; }

    /// <summary>The computer name, e.g. CLIENT-01; also the name of its certificate file.</summary>
    public string DisplayName { get; set; } = "";

    /// <summary>A disabled device gets AADSTS135011.</summary>
    public bool AccountEnabled { get; set; } = true;
}

public sealed class EntraUser
{
    public Guid ObjectId { get; set; }

    public string UserPrincipalName { get; set; } = "";

    public string Password { get; set; } = "";

    /// <summary>The synced AD account's SID (<c>onprem_sid</c>), which the MP maps to a ConfigMgr user.</summary>
    public string? OnPremisesSid { get; set; }

    /// <summary>Display name (<c>name</c>); the UPN's local part when not set.</summary>
    public string? DisplayName { get; set; }
}
