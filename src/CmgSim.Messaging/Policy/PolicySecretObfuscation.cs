using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace CmgSim.Messaging.Policy;

/// <summary>The symmetric cipher of an obfuscated secret policy value (its CryptoAPI ALG_ID).</summary>
public enum PolicySecretCipher
{
    /// <summary><c>CALG_3DES</c> (0x6603), blob prefix <c>89 13</c>: what every tool reads.</summary>
    TripleDes = 0x6603,

    /// <summary><c>CALG_AES_256</c> (0x6610), blob prefix <c>8A 13</c> (impacket PR 2020).</summary>
    Aes256 = 0x6610,
}

/// <summary>
/// The "obfuscation" of secret policy property values (client-protocols §3.3): a 64-byte header
/// (marker, 40-byte key seed at 4, lengths, ALG_ID at 56) then CBC ciphertext under the SHA-1
/// <c>CryptDeriveKey</c> key of the seed, zero IV, PKCS#7; the plaintext is UTF-16LE. It protects
/// nothing (the key is in the blob), which is why tools can read it; the simulator writes it so they can.
/// </summary>
public static class PolicySecretObfuscation
{
    public const int SeedLength = 40;
    private const int HeaderLength = 64;

    /// <summary>Obfuscates <paramref name="plaintext"/>; the seed is given so policy bodies stay deterministic.</summary>
    public static byte[] Obfuscate(string plaintext, ReadOnlySpan<byte> seed, PolicySecretCipher cipher = PolicySecretCipher.TripleDes)
    {
        ArgumentNullException.ThrowIfNull(plaintext);
        if (seed.Length != SeedLength)
        {
            throw new ArgumentException($"The key seed must be {SeedLength} bytes.", nameof(seed));
        }

        var data = Encoding.Unicode.GetBytes(plaintext);
        var ciphertext = Encrypt(cipher, DeriveKey(seed), data);
        var blob = new byte[HeaderLength + ciphertext.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(blob, cipher == PolicySecretCipher.Aes256 ? 0x138Au : 0x1389u);
        seed.CopyTo(blob.AsSpan(4));

        // 44..48 holds 20 in the one public sample (the SHA-1 length [I]); 48..52 the plaintext length.
        BinaryPrimitives.WriteInt32LittleEndian(blob.AsSpan(44), SHA1.HashSizeInBytes);
        BinaryPrimitives.WriteInt32LittleEndian(blob.AsSpan(48), data.Length);
        BinaryPrimitives.WriteInt32LittleEndian(blob.AsSpan(52), ciphertext.Length);
        BinaryPrimitives.WriteInt32LittleEndian(blob.AsSpan(56), (int)cipher);
        ciphertext.CopyTo(blob, HeaderLength);
        return blob;
    }

    /// <summary>Uppercase hex, as the value sits in the policy's CDATA.</summary>
    public static string ObfuscateToHex(string plaintext, ReadOnlySpan<byte> seed, PolicySecretCipher cipher = PolicySecretCipher.TripleDes) =>
        Convert.ToHexString(Obfuscate(plaintext, seed, cipher));

    /// <summary>Reads a blob (hex) back to its UTF-16LE text, as sccmhunter/impacket do.</summary>
    /// <exception cref="FormatException">Not a blob of this format.</exception>
    /// <exception cref="CryptographicException">The ciphertext does not decrypt (bad padding).</exception>
    public static string Deobfuscate(string hex)
    {
        ArgumentNullException.ThrowIfNull(hex);
        return Encoding.Unicode.GetString(Deobfuscate(Convert.FromHexString(hex.Trim())));
    }

    public static byte[] Deobfuscate(ReadOnlySpan<byte> blob)
    {
        if (blob.Length < HeaderLength)
        {
            throw new FormatException($"An obfuscated policy secret has a {HeaderLength}-byte header; got {blob.Length} bytes.");
        }

        var length = BinaryPrimitives.ReadInt32LittleEndian(blob[52..]);
        if (length <= 0 || length > blob.Length - HeaderLength)
        {
            throw new FormatException($"The ciphertext length {length} does not fit the {blob.Length}-byte blob.");
        }

        // The ALG_ID decides; the marker (89 13 / 8A 13) is what impacket keys on, so it is the fallback.
        var cipher = BinaryPrimitives.ReadInt32LittleEndian(blob[56..]) switch
        {
            (int)PolicySecretCipher.TripleDes => PolicySecretCipher.TripleDes,
            (int)PolicySecretCipher.Aes256 => PolicySecretCipher.Aes256,
            _ => blob[0] switch
            {
                0x89 => PolicySecretCipher.TripleDes,
                0x8A => PolicySecretCipher.Aes256,
                _ => throw new FormatException("Neither the ALG_ID nor the marker names 3DES or AES-256."),
            },
        };
        return Decrypt(cipher, DeriveKey(blob.Slice(4, SeedLength)), blob.Slice(HeaderLength, length));
    }

    /// <summary><c>CryptDeriveKey</c> with a SHA-1 hash: SHA1(0x36-pad ⊕ h) ‖ SHA1(0x5C-pad ⊕ h), 40 bytes.</summary>
    private static byte[] DeriveKey(ReadOnlySpan<byte> seed)
    {
        Span<byte> hash = stackalloc byte[SHA1.HashSizeInBytes];
        SHA1.HashData(seed, hash);
        Span<byte> inner = stackalloc byte[64];
        Span<byte> outer = stackalloc byte[64];
        inner.Fill(0x36);
        outer.Fill(0x5C);
        for (var i = 0; i < hash.Length; i++)
        {
            inner[i] ^= hash[i];
            outer[i] ^= hash[i];
        }

        var key = new byte[2 * SHA1.HashSizeInBytes];
        SHA1.HashData(inner, key);
        SHA1.HashData(outer, key.AsSpan(SHA1.HashSizeInBytes));
        return key;
    }

    private static byte[] Encrypt(PolicySecretCipher cipher, byte[] key, byte[] data)
    {
        using var algorithm = Create(cipher, key);
        return algorithm.EncryptCbc(data, new byte[algorithm.BlockSize / 8], PaddingMode.PKCS7);
    }

    private static byte[] Decrypt(PolicySecretCipher cipher, byte[] key, ReadOnlySpan<byte> data)
    {
        using var algorithm = Create(cipher, key);
        return algorithm.DecryptCbc(data, new byte[algorithm.BlockSize / 8], PaddingMode.PKCS7);
    }

    private static SymmetricAlgorithm Create(PolicySecretCipher cipher, byte[] key)
    {
        SymmetricAlgorithm algorithm = cipher == PolicySecretCipher.Aes256 ? Aes.Create() : TripleDES.Create();
        algorithm.Key = key.AsSpan(0, cipher == PolicySecretCipher.Aes256 ? 32 : 24).ToArray();
        return algorithm;
    }
}
