using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CmgSim.Core;
using CmgSim.Identity.Pki;

namespace CmgSim.Topology.Roles;

/// <summary>
/// What every role of one topology must agree on, whichever process runs it: the lab folder, the names and the
/// lab PKI's shape. Two processes that disagree on the PKI's shape would reissue each other's certificates, so
/// <see cref="Resolve"/> takes what the lab folder already holds for anything the caller leaves unset.
/// </summary>
public sealed class RoleLabSettings
{
    public const string DefaultServiceName = "GraniteFalls.contoso.com";
    public const string DefaultSiteCode = "PS1";
    public const string DefaultManagementPointFqdn = "MP01.contoso.com";
    public const int DefaultClientCount = 3;

    public required string LabDirectory { get; init; }

    public string ServiceName { get; init; } = DefaultServiceName;

    public string SiteCode { get; init; } = DefaultSiteCode;

    public LabKeyAlgorithm KeyAlgorithm { get; init; } = LabKeyAlgorithm.EcdsaP256;

    public int ClientCount { get; init; } = DefaultClientCount;

    /// <summary>The site system name: CN of the MP/SUP certificate, and the roles' FQDN in URL mappings.</summary>
    public string ManagementPointFqdn { get; init; } = DefaultManagementPointFqdn;

    public long ManagementPointEndpointId { get; init; } = EndpointIds.DefaultManagementPoint;

    public long SoftwareUpdatePointEndpointId { get; init; } = EndpointIds.DefaultSoftwareUpdatePoint;

    public LabLayout Layout => new(LabDirectory);

    /// <summary>
    /// Settings for <paramref name="labDirectory"/>: each argument left null is read from the lab's existing PKI
    /// (service name from the CMG server certificate's CN, key algorithm from the root CA, client count from
    /// <c>pki/clients/client-NN.pem</c>), or takes the default of a new lab.
    /// </summary>
    public static RoleLabSettings Resolve(string labDirectory, string? serviceName = null, string? siteCode = null, LabKeyAlgorithm? keyAlgorithm = null, int? clientCount = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(labDirectory);
        var layout = new LabLayout(labDirectory);
        return new RoleLabSettings
        {
            LabDirectory = layout.Root,
            ServiceName = serviceName ?? ReadServiceName(layout) ?? DefaultServiceName,
            SiteCode = siteCode ?? DefaultSiteCode,
            KeyAlgorithm = keyAlgorithm ?? ReadKeyAlgorithm(layout) ?? LabKeyAlgorithm.EcdsaP256,
            ClientCount = clientCount ?? CountClients(layout) ?? DefaultClientCount,
        };
    }

    /// <summary>The settings of a one-process topology (<c>cmgsim up</c>), for its role starters.</summary>
    public static RoleLabSettings From(TopologyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new RoleLabSettings
        {
            LabDirectory = options.LabDirectory,
            ServiceName = options.ServiceName,
            SiteCode = options.SiteCode,
            KeyAlgorithm = options.KeyAlgorithm,
            ClientCount = options.ClientCount,
            ManagementPointFqdn = options.ManagementPointFqdn,
            ManagementPointEndpointId = options.ManagementPointEndpointId,
            SoftwareUpdatePointEndpointId = options.SoftwareUpdatePointEndpointId,
        };
    }

    /// <summary>Every problem with these settings at once; empty when they are usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(ServiceName) || Uri.CheckHostName(ServiceName) != UriHostNameType.Dns)
        {
            errors.Add($"--service-name '{ServiceName}' must be a DNS name (the CN of the CMG's server certificate).");
        }

        if (string.IsNullOrWhiteSpace(SiteCode) || SiteCode.Length != 3 || !SiteCode.All(char.IsAsciiLetterOrDigit))
        {
            errors.Add($"--site-code '{SiteCode}' must be three letters or digits.");
        }

        if (ClientCount < 1)
        {
            errors.Add($"--clients is {ClientCount}; at least one client certificate is needed.");
        }

        return errors;
    }

    public LabPkiOptions ToPkiOptions() => new()
    {
        ServiceName = ServiceName,
        SiteCode = SiteCode,
        KeyAlgorithm = KeyAlgorithm,
        ClientCount = ClientCount,
        SiteSystemName = ManagementPointFqdn,
    };

    /// <summary>Creates the lab folder and loads its PKI, creating what is missing (under the PKI's lock file, so processes starting together create it once).</summary>
    public LabPki LoadPki(TimeProvider timeProvider)
    {
        var layout = Layout;
        Directory.CreateDirectory(layout.Root);
        Directory.CreateDirectory(layout.LogsDirectory);
        return LabPki.LoadOrCreate(layout.PkiDirectory, ToPkiOptions(), timeProvider);
    }

    private static string? ReadServiceName(LabLayout layout) =>
        ReadCertificate(Path.Combine(layout.PkiDirectory, "cmg-server.pem"), static c => c.GetNameInfo(X509NameType.SimpleName, forIssuer: false));

    private static LabKeyAlgorithm? ReadKeyAlgorithm(LabLayout layout) =>
        ReadCertificate(Path.Combine(layout.PkiDirectory, "root-ca.pem"), static c => c.PublicKey.Oid.Value switch
        {
            "1.2.840.10045.2.1" => LabKeyAlgorithm.EcdsaP256,
            "1.2.840.113549.1.1.1" => (LabKeyAlgorithm?)LabKeyAlgorithm.Rsa2048,
            _ => null,
        });

    private static int? CountClients(LabLayout layout)
    {
        var count = 0;
        while (File.Exists(Path.Combine(layout.PkiDirectory, "clients", string.Create(CultureInfo.InvariantCulture, $"client-{count + 1:D2}.pem"))))
        {
            count++;
        }

        return count == 0 ? null : count;
    }

    private static T? ReadCertificate<T>(string path, Func<X509Certificate2, T?> read)
    {
        try
        {
            // The first certificate of the file (a leaf PEM has the issuing CA after it).
            using var certificate = X509Certificate2.CreateFromPem(File.ReadAllText(path));
            return read(certificate);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException)
        {
            return default;
        }
    }
}
