using System.Text.Json;
using System.Text.Json.Serialization;

namespace CmgSim.Core.Topology;

/// <summary>
/// The contract <c>cmgsim up</c> writes to <c>DIR/topology.json</c> once every role is ready.
/// Schema: <c>docs/topology-schema.md</c>. Paths are absolute.
/// </summary>
public sealed record TopologyDocument
{
    public const int CurrentSchemaVersion = 1;

    public int SchemaVersion { get; init; } = CurrentSchemaVersion;

    /// <summary>The CMG service name, the CN of its server-auth certificate (e.g. <c>GraniteFalls.contoso.com</c>).</summary>
    public required string ServiceName { get; init; }

    /// <summary>The public URL clients use, e.g. <c>https://127.0.0.1:8443</c>.</summary>
    public required string PublicUrl { get; init; }

    public required string SiteCode { get; init; }

    /// <summary>The VM size profile of every instance (<c>lab</c>, <c>standard</c>, <c>large</c>, <c>vmss-2103</c>, <c>classic</c>).</summary>
    public string? VmSize { get; init; }

    public required IReadOnlyList<VmInstanceEntry> Instances { get; init; }

    public required IReadOnlyList<ConnectionPointEntry> ConnectionPoints { get; init; }

    public required IReadOnlyList<SiteRoleEntry> Roles { get; init; }

    public required PkiEntry Pki { get; init; }

    public required string LogsDirectory { get; init; }

    /// <summary>The local Microsoft Entra tenant the site onboarded; null when Entra authentication is off.</summary>
    public EntraEntry? Entra { get; init; }

    /// <summary>The site's token service (bulk registration tokens, client and CCM tokens).</summary>
    public SiteTokensEntry? SiteTokens { get; init; }

    public static JsonSerializerOptions SerializerOptions { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static async Task<TopologyDocument> LoadAsync(string path, CancellationToken cancellationToken = default)
    {
        await using var stream = File.OpenRead(path);
        return await JsonSerializer.DeserializeAsync<TopologyDocument>(stream, SerializerOptions, cancellationToken)
            ?? throw new InvalidDataException($"'{path}' holds no topology document.");
    }

    /// <summary>Writes the document atomically (temporary file, then rename), so readers never see half a file.</summary>
    public async Task SaveAsync(string path, CancellationToken cancellationToken = default)
    {
        var temporary = path + ".tmp";
        await using (var stream = File.Create(temporary))
        {
            await JsonSerializer.SerializeAsync(stream, this, SerializerOptions, cancellationToken);
        }

        File.Move(temporary, path, overwrite: true);
    }
}

/// <summary>One VM instance of the CMG cloud service.</summary>
public sealed record VmInstanceEntry
{
    /// <summary>The instance name in the product's style, e.g. <c>ProxyService_IN_0</c>.</summary>
    public required string Name { get; init; }

    /// <summary>This instance's own HTTPS URL (the public port is shared; this reaches the instance directly).</summary>
    public required string Url { get; init; }

    /// <summary>The URL the connection points dial to open channels to this instance.</summary>
    public required string TunnelUrl { get; init; }

    /// <summary>The instance's capacity status (<c>GET</c>, JSON: client connections against its VM size, added delay).</summary>
    public string? StatusUrl { get; init; }
}

/// <summary>One CMG connection point.</summary>
public sealed record ConnectionPointEntry
{
    public required string Name { get; init; }

    public required string SiteCode { get; init; }

    /// <summary>The connection point's loopback health URL.</summary>
    public required string HealthUrl { get; init; }
}

public enum SiteRoleKind
{
    ManagementPoint,
    SoftwareUpdatePoint,
}

/// <summary>One site role published through the CMG.</summary>
public sealed record SiteRoleEntry
{
    public required SiteRoleKind Kind { get; init; }

    public required long EndpointId { get; init; }

    /// <summary>E.g. <c>/CCM_Proxy_MutualAuth/72057594037927939</c>.</summary>
    public required string MutualAuthPath { get; init; }

    /// <summary>E.g. <c>/CCM_Proxy_ServerAuth/72057594037927939</c>.</summary>
    public required string ServerAuthPath { get; init; }

    /// <summary>The role's on-premises URL, which the connection point forwards to.</summary>
    public required string InternalUrl { get; init; }

    /// <summary>The role's host name in the product's style, e.g. <c>MP01.contoso.com</c>.</summary>
    public string? Fqdn { get; init; }
}

/// <summary>Paths of the lab PKI material.</summary>
public sealed record PkiEntry
{
    public required string RootCaPem { get; init; }

    public required string IssuingCaPem { get; init; }

    public required string CrlPath { get; init; }

    public required string ServerCertPem { get; init; }

    public required IReadOnlyList<ClientCertificateEntry> Clients { get; init; }
}

public sealed record ClientCertificateEntry
{
    public required string Name { get; init; }

    public required string CertPem { get; init; }

    public required string KeyPem { get; init; }

    public string? Pfx { get; init; }
}

/// <summary>The onboarded Microsoft Entra tenant, as a client or MSAL needs it.</summary>
public sealed record EntraEntry
{
    /// <summary>The tenant's authority for MSAL <c>WithAuthority</c>, e.g. <c>https://127.0.0.1:8444/&lt;tenantId&gt;/</c>.</summary>
    public required string Authority { get; init; }

    public required Guid TenantId { get; init; }

    /// <summary>The client app registration (ccmsetup <c>AADCLIENTAPPID</c>).</summary>
    public required Guid ClientAppId { get; init; }

    /// <summary>The server app's App ID URI: the token audience (ccmsetup <c>AADRESOURCEURI</c>).</summary>
    public required string AppIdUri { get; init; }

    /// <summary>Entra-joined devices, one per lab client, with their workplace-join certificate.</summary>
    public IReadOnlyList<EntraDeviceEntry> Devices { get; init; } = [];

    /// <summary>Users of the tenant, one per lab client (the user-token fallback).</summary>
    public IReadOnlyList<EntraUserEntry> Users { get; init; } = [];

    /// <summary>A tenant the Entra host knows but the site did not onboard (for the "tenant not onboarded" lab).</summary>
    public Guid? NotOnboardedTenantId { get; init; }
}

public sealed record EntraDeviceEntry
{
    /// <summary>The lab client name it belongs to, e.g. <c>client-01</c>.</summary>
    public required string Name { get; init; }

    public required Guid DeviceId { get; init; }

    /// <summary>The device's workplace-join (MS-Organization-Access) certificate and key, PKCS#12 without a password.</summary>
    public required string WpjPfx { get; init; }
}

public sealed record EntraUserEntry
{
    public required string UserPrincipalName { get; init; }

    public required string Password { get; init; }

    public required Guid ObjectId { get; init; }
}

/// <summary>The site token service: what validates site tokens, and where the signing certificate is.</summary>
public sealed record SiteTokensEntry
{
    /// <summary>The hierarchy id: <c>TenantId</c> of bulk tokens, <c>urn:sccm:oauth2:&lt;id&gt;</c> their issuer.</summary>
    public required Guid HierarchyId { get; init; }

    /// <summary>The public part of the "SMS Token Signing Certificate".</summary>
    public required string SigningCertificatePem { get; init; }
}
