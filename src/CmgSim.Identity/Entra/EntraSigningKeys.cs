using System.Security.Cryptography.X509Certificates;
using CmgSim.Identity.Pki;
using Microsoft.IdentityModel.Tokens;

namespace CmgSim.Identity.Entra;

/// <summary>
/// The tenant's two token-signing keys. Both are always published in the JWKS and one signs, as Entra rolls its
/// keys: validators that cached the JWKS keep validating across a <see cref="Rollover"/>.
/// </summary>
public sealed class EntraSigningKeys : IDisposable
{
    /// <summary>The subject of Entra's token-signing certificates.</summary>
    public const string CertificateCommonName = "accounts.accesscontrol.windows.net";

    private const string ActiveKeyFile = "signing-active-kid.txt";

    // Entra's signing certificates are valid about five years.
    private static readonly TimeSpan CertificateLifetime = TimeSpan.FromDays(5 * 365);

    private readonly EntraSigningKey[] _keys;
    private readonly string? _directory;
    private readonly Lock _gate = new();
    private int _active;

    private EntraSigningKeys(EntraSigningKey[] keys, int active, string? directory)
    {
        _keys = keys;
        _active = active;
        _directory = directory;
    }

    /// <summary>Both keys, key 1 first.</summary>
    public IReadOnlyList<EntraSigningKey> Keys => _keys;

    /// <summary>The key new tokens are signed with.</summary>
    public EntraSigningKey Active => _keys[Volatile.Read(ref _active)];

    /// <summary>
    /// Loads <c>signing-key-1.pfx</c> and <c>signing-key-2.pfx</c> from <paramref name="keyDirectory"/>, creating
    /// what is missing, unreadable or expired; with no directory both keys live in memory only. The active key is
    /// <paramref name="activeKeyId"/> when given, else the one recorded by the last <see cref="Rollover"/>, else key 1.
    /// </summary>
    public static EntraSigningKeys LoadOrCreate(string? keyDirectory, TimeProvider timeProvider, string? activeKeyId = null)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        var now = timeProvider.GetUtcNow();
        if (keyDirectory is null)
        {
            EntraSigningKey[] inMemory = [Create(now), Create(now)];
            return new EntraSigningKeys(inMemory, SelectActive(inMemory, activeKeyId, recorded: null), null);
        }

        var directory = Path.GetFullPath(keyDirectory);
        Directory.CreateDirectory(directory);
        using var fileLock = LabPkiFiles.AcquireLock(directory);
        var keys = new EntraSigningKey[2];
        for (var i = 0; i < keys.Length; i++)
        {
            var path = Path.Combine(directory, $"signing-key-{i + 1}.pfx");
            var certificate = EntraKeyFiles.TryLoad(path);
            if (certificate is null || !EntraKeyFiles.IsUsable(certificate, now))
            {
                certificate?.Dispose();
                certificate = EntraKeyFiles.CreateSelfSigned(CertificateCommonName, now, CertificateLifetime, clientAuth: false);
                EntraKeyFiles.Write(path, certificate);
            }

            keys[i] = new EntraSigningKey(certificate);
        }

        var recorded = ReadRecordedActive(directory);
        return new EntraSigningKeys(keys, SelectActive(keys, activeKeyId, recorded), directory);
    }

    /// <summary>Makes the other key the active one (and records it, so a restart keeps signing with it); returns it.</summary>
    public EntraSigningKey Rollover()
    {
        lock (_gate)
        {
            var next = 1 - _active;
            Volatile.Write(ref _active, next);
            if (_directory is not null)
            {
                LabPkiFiles.WriteAtomic(Path.Combine(_directory, ActiveKeyFile), _keys[next].KeyId + "\n");
            }

            return _keys[next];
        }
    }

    public void Dispose()
    {
        foreach (var key in _keys)
        {
            key.Dispose();
        }
    }

    private static EntraSigningKey Create(DateTimeOffset now) =>
        new(EntraKeyFiles.CreateSelfSigned(CertificateCommonName, now, CertificateLifetime, clientAuth: false));

    private static int SelectActive(EntraSigningKey[] keys, string? requested, string? recorded)
    {
        if (requested is not null)
        {
            var index = Array.FindIndex(keys, k => k.KeyId.Equals(requested, StringComparison.Ordinal));
            return index >= 0
                ? index
                : throw new InvalidOperationException(
                    $"ActiveSigningKeyId '{requested}' is none of the signing keys ({string.Join(", ", keys.Select(static k => k.KeyId))}).");
        }

        return recorded is null ? 0 : Math.Max(0, Array.FindIndex(keys, k => k.KeyId.Equals(recorded, StringComparison.Ordinal)));
    }

    private static string? ReadRecordedActive(string directory)
    {
        try
        {
            var path = Path.Combine(directory, ActiveKeyFile);
            return File.Exists(path) ? File.ReadAllText(path).Trim() : null;
        }
        catch (IOException)
        {
            return null;
        }
    }
}

/// <summary>One token-signing key: RSA-2048 with a self-signed certificate, published as a JWK with <c>x5c</c>.</summary>
public sealed class EntraSigningKey : IDisposable
{
    private readonly X509Certificate2 _withKey;

    internal EntraSigningKey(X509Certificate2 withKey)
    {
        _withKey = withKey;
        KeyId = EntraKeyFiles.X5t(withKey);
        Certificate = EntraKeyFiles.PublicOnly(withKey);
        SigningCredentials = new SigningCredentials(new X509SecurityKey(withKey, KeyId), SecurityAlgorithms.RsaSha256);
    }

    /// <summary>The JWK <c>kid</c>; as in Entra, equal to <see cref="X5t"/>.</summary>
    public string KeyId { get; }

    /// <summary>Base64url SHA-1 thumbprint of <see cref="Certificate"/>.</summary>
    public string X5t => KeyId;

    /// <summary>The public certificate (the JWKS <c>x5c</c>).</summary>
    public X509Certificate2 Certificate { get; }

    internal SigningCredentials SigningCredentials { get; }

    public void Dispose()
    {
        Certificate.Dispose();
        _withKey.Dispose();
    }
}
