using System.Buffers.Binary;
using System.Security.Cryptography;

namespace CmgSim.Messaging.Signing;

/// <summary>
/// The CryptoAPI PUBLICKEYBLOB ConfigMgr puts in the <c>clientauth</c> hook's <c>PublicKey</c>
/// (client-protocols §2.3): <c>06 02 00 00 | 00 A4 00 00 | "RSA1" | bit length LE | exponent LE | modulus LE</c>.
/// </summary>
public static class CcmPublicKeyBlob
{
    private const int HeaderLength = 20;

    public static byte[] FromRsa(RSA key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return FromParameters(key.ExportParameters(false));
    }

    public static byte[] FromParameters(RSAParameters parameters)
    {
        var modulus = parameters.Modulus ?? throw new ArgumentException("The key has no modulus.", nameof(parameters));
        var exponent = parameters.Exponent ?? throw new ArgumentException("The key has no exponent.", nameof(parameters));
        var blob = new byte[HeaderLength + modulus.Length];
        blob[0] = 0x06;
        blob[1] = 0x02;
        blob[5] = 0xA4;
        "RSA1"u8.CopyTo(blob.AsSpan(8));
        BinaryPrimitives.WriteInt32LittleEndian(blob.AsSpan(12), modulus.Length * 8);
        var exponentValue = 0;
        foreach (var b in exponent)
        {
            exponentValue = (exponentValue << 8) | b;
        }

        BinaryPrimitives.WriteInt32LittleEndian(blob.AsSpan(16), exponentValue);
        for (var i = 0; i < modulus.Length; i++)
        {
            blob[HeaderLength + i] = modulus[modulus.Length - 1 - i];
        }

        return blob;
    }

    /// <summary>Reads a blob back into RSA parameters; the key algorithm (KEYX or SIGN) is not checked, tools use both.</summary>
    public static bool TryToParameters(ReadOnlySpan<byte> blob, out RSAParameters parameters, out string? error)
    {
        parameters = default;
        if (blob.Length < HeaderLength || blob[0] != 0x06 || !blob.Slice(8, 4).SequenceEqual("RSA1"u8))
        {
            error = $"not a PUBLICKEYBLOB with an RSA1 key ({blob.Length} bytes)";
            return false;
        }

        var bits = BinaryPrimitives.ReadInt32LittleEndian(blob[12..]);
        var modulusLength = bits / 8;
        if (bits <= 0 || bits % 8 != 0 || blob.Length < HeaderLength + modulusLength)
        {
            error = $"bit length {bits} does not match the {blob.Length - HeaderLength} modulus bytes";
            return false;
        }

        var exponent = BinaryPrimitives.ReadUInt32LittleEndian(blob[16..]);
        var exponentBytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(exponentBytes, exponent);
        var modulus = blob.Slice(HeaderLength, modulusLength).ToArray();
        Array.Reverse(modulus);
        parameters = new RSAParameters { Modulus = modulus, Exponent = exponentBytes.AsSpan().TrimStart((byte)0).ToArray() };
        error = null;
        return true;
    }
}
