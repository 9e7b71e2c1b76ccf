using System.Buffers.Binary;
using System.Security.Cryptography;

namespace CmgSim.ManagementPoint.Authority;

/// <summary>
/// The CryptoAPI PUBLICKEYBLOB ConfigMgr uses for keys on the wire (client-protocols §2.3):
/// <c>06 02 00 00 | 00 A4 00 00 | "RSA1" | bit length LE | exponent LE (4 bytes) | modulus LE</c>.
/// </summary>
internal static class CryptoApiPublicKeyBlob
{
    public static byte[] FromRsa(RSAParameters parameters)
    {
        var modulus = parameters.Modulus ?? throw new ArgumentException("The key has no modulus.", nameof(parameters));
        var exponent = parameters.Exponent ?? throw new ArgumentException("The key has no exponent.", nameof(parameters));
        var blob = new byte[20 + modulus.Length];
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
            blob[20 + i] = modulus[modulus.Length - 1 - i];
        }

        return blob;
    }
}
