using System.Numerics;
using System.Security.Cryptography;
using System.Text;

namespace CmgSim.Messaging.Signing;

/// <summary>
/// "sign" as ConfigMgr means it (client-protocols §2.3): RSA PKCS#1 v1.5 over SHA-256, signature
/// bytes reversed (CryptoAPI little-endian), uppercase hex. Verification is lenient the way the
/// checklist (§8 item 4) asks: both byte orders, with or without the DigestInfo prefix.
/// </summary>
public static class CcmSignature
{
    /// <summary>sha256WithRSAEncryption, the only <c>HashAlgorithm</c> the simulator signs with.</summary>
    public const string Sha256WithRsaOid = "1.2.840.113549.1.1.11";

    /// <summary>Signs <paramref name="data"/> in <paramref name="style"/> (the product's is the default).</summary>
    public static string Sign(RSA key, ReadOnlySpan<byte> data, CcmSignatureStyle style = CcmSignatureStyle.Reversed)
    {
        ArgumentNullException.ThrowIfNull(key);
        var signature = style is CcmSignatureStyle.Reversed or CcmSignatureStyle.BigEndian
            ? key.SignData(data.ToArray(), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            : SignHashWithoutDigestInfo(key, SHA256.HashData(data));
        if (style is CcmSignatureStyle.Reversed or CcmSignatureStyle.ReversedNoDigestInfo)
        {
            Array.Reverse(signature);
        }

        return Convert.ToHexString(signature);
    }

    /// <summary>Tries every accepted style; returns the one that verified, or null.</summary>
    public static CcmSignatureStyle? Verify(RSA publicKey, ReadOnlySpan<byte> data, string? hexSignature)
    {
        ArgumentNullException.ThrowIfNull(publicKey);
        if (string.IsNullOrWhiteSpace(hexSignature) || !TryFromHex(hexSignature.Trim(), out var signature))
        {
            return null;
        }

        var hash = SHA256.HashData(data);
        var reversed = (byte[])signature.Clone();
        Array.Reverse(reversed);
        if (publicKey.VerifyHash(hash, reversed, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))
        {
            return CcmSignatureStyle.Reversed;
        }

        if (publicKey.VerifyHash(hash, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))
        {
            return CcmSignatureStyle.BigEndian;
        }

        var parameters = publicKey.ExportParameters(false);
        if (VerifyWithoutDigestInfo(parameters, hash, reversed))
        {
            return CcmSignatureStyle.ReversedNoDigestInfo;
        }

        return VerifyWithoutDigestInfo(parameters, hash, signature) ? CcmSignatureStyle.BigEndianNoDigestInfo : null;
    }

    /// <summary>What <c>ClientIDSignature</c> covers: UTF-16LE <c>"GUID:&lt;SMSID uppercase&gt;"</c> plus <c>00 00</c>.</summary>
    public static byte[] ClientIdSignedBytes(string smsId)
    {
        var normalized = SmsId.Normalize(smsId);
        var bytes = new byte[Encoding.Unicode.GetByteCount(normalized) + 2];
        Encoding.Unicode.GetBytes(normalized, bytes);
        return bytes;
    }

    private static bool TryFromHex(string hex, out byte[] bytes)
    {
        bytes = [];
        if (hex.Length % 2 != 0)
        {
            return false;
        }

        try
        {
            bytes = Convert.FromHexString(hex);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>
    /// <c>CryptSignHash(CRYPT_NOHASHOID)</c>: EMSA-PKCS1-v1_5 padding around the bare hash. .NET has no
    /// API for it, so the RSA private operation is done with <see cref="BigInteger"/> (test clients only).
    /// </summary>
    private static byte[] SignHashWithoutDigestInfo(RSA key, byte[] hash)
    {
        var parameters = key.ExportParameters(true);
        var length = parameters.Modulus!.Length;
        var encoded = new byte[length];
        encoded[1] = 0x01;
        encoded.AsSpan(2, length - hash.Length - 3).Fill(0xFF);
        hash.CopyTo(encoded, length - hash.Length);
        var result = BigInteger.ModPow(ToInteger(encoded), ToInteger(parameters.D!), ToInteger(parameters.Modulus));
        return ToBytes(result, length);
    }

    private static bool VerifyWithoutDigestInfo(RSAParameters parameters, byte[] hash, byte[] signature)
    {
        var length = parameters.Modulus!.Length;
        if (signature.Length != length)
        {
            return false;
        }

        var modulus = ToInteger(parameters.Modulus);
        var s = ToInteger(signature);
        if (s >= modulus)
        {
            return false;
        }

        var encoded = ToBytes(BigInteger.ModPow(s, ToInteger(parameters.Exponent!), modulus), length);
        var separator = length - hash.Length - 1;
        if (encoded[0] != 0 || encoded[1] != 1 || separator < 10 || encoded[separator] != 0)
        {
            return false;
        }

        return encoded.AsSpan(2, separator - 2).IndexOfAnyExcept((byte)0xFF) < 0
            && CryptographicOperations.FixedTimeEquals(encoded.AsSpan(separator + 1), hash);
    }

    private static BigInteger ToInteger(byte[] bigEndian) => new(bigEndian, isUnsigned: true, isBigEndian: true);

    private static byte[] ToBytes(BigInteger value, int length)
    {
        var bytes = value.ToByteArray(isUnsigned: true, isBigEndian: true);
        if (bytes.Length == length)
        {
            return bytes;
        }

        var padded = new byte[length];
        bytes.CopyTo(padded, length - bytes.Length);
        return padded;
    }
}
