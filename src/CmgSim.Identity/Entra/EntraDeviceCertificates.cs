using System.Security.Cryptography.X509Certificates;
using CmgSim.Identity.Pki;

namespace CmgSim.Identity.Entra;

/// <summary>
/// A device's workplace-join ("MS-Organization-Access") certificate: RSA-2048, subject <c>CN=&lt;DeviceId&gt;</c>.
/// The Entra tenant creates it at first start under <c>&lt;KeyDirectory&gt;/devices/&lt;DisplayName&gt;.pfx</c>
/// (no password) and reuses it afterwards; a simulated client reads that file as a joined device holds its key.
/// </summary>
public static class EntraDeviceCertificates
{
    public const string DevicesFolder = "devices";

    // Windows issues WPJ certificates for ten years.
    private static readonly TimeSpan Lifetime = TimeSpan.FromDays(10 * 365);

    /// <summary><c>&lt;keyDirectory&gt;/devices/&lt;deviceDisplayName&gt;.pfx</c>.</summary>
    public static string PathFor(string keyDirectory, string deviceDisplayName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(keyDirectory);
        ArgumentException.ThrowIfNullOrWhiteSpace(deviceDisplayName);
        return Path.Combine(Path.GetFullPath(keyDirectory), DevicesFolder, deviceDisplayName + ".pfx");
    }

    /// <summary>
    /// The device's certificate with its key: read from its file when that still names the device and is valid,
    /// else created (and written when <paramref name="keyDirectory"/> is set). The caller owns the result.
    /// </summary>
    public static X509Certificate2 LoadOrCreate(string? keyDirectory, EntraDevice device, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(timeProvider);
        var now = timeProvider.GetUtcNow();
        if (keyDirectory is null)
        {
            return Create(device, now);
        }

        var path = PathFor(keyDirectory, device.DisplayName);
        var folder = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(folder);
        using var fileLock = LabPkiFiles.AcquireLock(folder);
        var existing = EntraKeyFiles.TryLoad(path);
        if (existing is not null && Names(existing, device) && EntraKeyFiles.IsUsable(existing, now))
        {
            return existing;
        }

        existing?.Dispose();
        var created = Create(device, now);
        EntraKeyFiles.Write(path, created);
        return created;
    }

    /// <summary>What a simulated client does: read the device's certificate and key from the lab folder.</summary>
    /// <exception cref="FileNotFoundException">The tenant has not created the device's certificate.</exception>
    public static X509Certificate2 Load(string keyDirectory, string deviceDisplayName)
    {
        var path = PathFor(keyDirectory, deviceDisplayName);
        return EntraKeyFiles.TryLoad(path)
            ?? throw new FileNotFoundException($"No readable WPJ certificate for device '{deviceDisplayName}'; the Entra tenant creates it when it starts.", path);
    }

    internal static bool Names(X509Certificate2 certificate, EntraDevice device) =>
        string.Equals(certificate.GetNameInfo(X509NameType.SimpleName, false), device.DeviceId.ToString("D"), StringComparison.OrdinalIgnoreCase);

    private static X509Certificate2 Create(EntraDevice device, DateTimeOffset now) =>
        EntraKeyFiles.CreateSelfSigned(device.DeviceId.ToString("D"), now, Lifetime, clientAuth: true);
}
