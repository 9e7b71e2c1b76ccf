using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace CmgSim.Identity.Entra;

/// <summary>
/// The fixed identifiers of <see cref="EntraTenantOptions.CreateLabDefaults"/>, so the site, the simulated clients
/// and tests name the same tenant, apps, devices and users without passing them around.
/// </summary>
public static class EntraLabDefaults
{
    public const string ContosoDomain = "contoso.com";
    public const string FabrikamDomain = "fabrikam.com";

    /// <summary>The CMG server app's App ID URI: ccmsetup's default <c>AADRESOURCEURI</c>, the <c>aud</c> of every client token.</summary>
    public const string ServerAppIdUri = "https://ConfigMgrService";

    public const string ServerAppDisplayName = "ConfigMgr CMG server app";
    public const string ClientAppDisplayName = "ConfigMgr CMG client app";
    public const string ServerAppSecret = "lab-server-app-secret";
    public const string FabrikamServerAppSecret = "lab-fabrikam-server-app-secret";

    /// <summary>Every lab user's password.</summary>
    public const string UserPassword = "P@ssw0rd!";

    /// <summary>Fabrikam's only device.</summary>
    public const string FabrikamDeviceName = "FABRIKAM-01";

    public static readonly Guid ContosoTenantId = new("8a9b3c2d-1e0f-4a5b-9c8d-7e6f5a4b3c21");
    public static readonly Guid ContosoServerAppId = new("0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f");
    public static readonly Guid ContosoServerAppObjectId = new("1d2e3f4a-5b6c-4d7e-8f9a-0b1c2d3e4f5a");
    public static readonly Guid ContosoClientAppId = new("2e3f4a5b-6c7d-4e8f-9a0b-1c2d3e4f5a6b");
    public static readonly Guid ContosoClientAppObjectId = new("3f4a5b6c-7d8e-4f9a-8b1c-2d3e4f5a6b7c");

    /// <summary>A tenant that exists in Entra but that the lab site does not onboard.</summary>
    public static readonly Guid FabrikamTenantId = new("4a5b6c7d-8e9f-4a0b-9c2d-3e4f5a6b7c8d");
    public static readonly Guid FabrikamServerAppId = new("5b6c7d8e-9f0a-4b1c-8d3e-4f5a6b7c8d9e");
    public static readonly Guid FabrikamServerAppObjectId = new("6c7d8e9f-0a1b-4c2d-9e4f-5a6b7c8d9e0f");
    public static readonly Guid FabrikamClientAppId = new("7d8e9f0a-1b2c-4d3e-8f5a-6b7c8d9e0f1a");
    public static readonly Guid FabrikamClientAppObjectId = new("8e9f0a1b-2c3d-4e4f-9a6b-7c8d9e0f1a2b");

    // Domain SIDs of the lab forests; user n gets RID 1000 + n.
    internal const string ContosoSidPrefix = "S-1-5-21-3623811015-3361044348-30300820";
    internal const string FabrikamSidPrefix = "S-1-5-21-1004336348-1177238915-682003330";

    /// <summary>The device id of <paramref name="deviceName"/> in a tenant: a name-based (v5) GUID, the same on every run.</summary>
    public static Guid DeviceIdFor(Guid tenantId, string deviceName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(deviceName);
        return NameBasedGuid(tenantId, "device:" + deviceName.ToUpperInvariant());
    }

    /// <summary>The object id of the user <paramref name="userPrincipalName"/> in a tenant (name-based GUID).</summary>
    public static Guid UserObjectIdFor(Guid tenantId, string userPrincipalName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(userPrincipalName);
        return NameBasedGuid(tenantId, "user:" + userPrincipalName.ToLowerInvariant());
    }

    /// <summary><c>user{number}@{domain}</c>: the lab's user of the <paramref name="number"/>-th device (1-based).</summary>
    public static string UserPrincipalNameFor(int number, string domain) =>
        string.Create(CultureInfo.InvariantCulture, $"user{number}@{domain}");

    internal static EntraTenantDefinition CreateTenant(
        Guid tenantId, string displayName, string domain,
        Guid serverAppId, Guid serverObjectId, string serverSecret,
        Guid clientAppId, Guid clientObjectId,
        IEnumerable<string> deviceNames, string sidPrefix)
    {
        var tenant = new EntraTenantDefinition { TenantId = tenantId, DisplayName = displayName, VerifiedDomain = domain };
        var server = new EntraAppRegistration
        {
            AppId = serverAppId,
            ObjectId = serverObjectId,
            DisplayName = ServerAppDisplayName,
            AppIdUri = ServerAppIdUri,
        };
        server.ClientSecrets.Add(serverSecret);
        tenant.Applications.Add(server);
        tenant.Applications.Add(new EntraAppRegistration
        {
            AppId = clientAppId,
            ObjectId = clientObjectId,
            DisplayName = ClientAppDisplayName,
            AllowPublicClientFlows = true,
        });

        var number = 0;
        foreach (var name in deviceNames)
        {
            number++;
            var displayNameUpper = name.ToUpperInvariant();
            tenant.Devices.Add(new EntraDevice { DeviceId = DeviceIdFor(tenantId, displayNameUpper), DisplayName = displayNameUpper });
            var upn = UserPrincipalNameFor(number, domain);
            tenant.Users.Add(new EntraUser
            {
                ObjectId = UserObjectIdFor(tenantId, upn),
                UserPrincipalName = upn,
                Password = UserPassword,
                DisplayName = string.Create(CultureInfo.InvariantCulture, $"Lab User {number}"),
                OnPremisesSid = string.Create(CultureInfo.InvariantCulture, $"{sidPrefix}-{1000 + number}"),
            });
        }

        return tenant;
    }

    /// <summary>RFC 4122 version 5 (SHA-1, name-based) UUID in the namespace <paramref name="namespaceId"/>.</summary>
    internal static Guid NameBasedGuid(Guid namespaceId, string name)
    {
        var nameBytes = Encoding.UTF8.GetBytes(name);
        var data = new byte[16 + nameBytes.Length];
        namespaceId.TryWriteBytes(data, bigEndian: true, out _);
        nameBytes.CopyTo(data, 16);

        // RFC 4122 v5 is defined on SHA-1; this names things, it protects nothing.
        var hash = SHA1.HashData(data);
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash.AsSpan(0, 16), bigEndian: true);
    }
}
