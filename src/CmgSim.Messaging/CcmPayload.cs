using System.IO.Compression;
using System.Text;

namespace CmgSim.Messaging;

/// <summary>
/// Encoding of the payload part: UTF-16LE body + <c>00 00</c>, optionally zlib-compressed.
/// Public so the signing code of the next issue can sign the exact bytes that go on the wire
/// (<c>PayloadSignature</c> covers the compressed bytes, client-protocols §2.3).
/// </summary>
public static class CcmPayload
{
    /// <summary>The <c>Body Length</c> the header declares: UTF-16LE bytes of the body plus the terminating NUL.</summary>
    public static int GetBodyLength(string body)
    {
        ArgumentNullException.ThrowIfNull(body);
        return Encoding.Unicode.GetByteCount(body) + 2;
    }

    /// <summary>The payload part's bytes as sent.</summary>
    public static byte[] Encode(string body, CcmCompression compression)
    {
        ArgumentNullException.ThrowIfNull(body);
        var raw = new byte[GetBodyLength(body)];
        Encoding.Unicode.GetBytes(body, raw);
        if (compression == CcmCompression.None)
        {
            return raw;
        }

        using var output = new MemoryStream();
        using (var zlib = new ZLibStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            zlib.Write(raw);
        }

        return output.ToArray();
    }

    /// <summary>
    /// Undoes <see cref="Encode"/>. Compression is detected from the bytes (a valid RFC 1950 header),
    /// not trusted from part headers, because the two dialects label parts differently.
    /// </summary>
    /// <returns>The decoded payload stream (still UTF-16LE bytes, NULs and all) and the compression found.</returns>
    public static (byte[] Payload, CcmCompression Compression) Decode(ReadOnlySpan<byte> part)
    {
        if (!LooksLikeZlib(part))
        {
            return (part.ToArray(), CcmCompression.None);
        }

        try
        {
            using var input = new MemoryStream(part.ToArray(), writable: false);
            using var zlib = new ZLibStream(input, CompressionMode.Decompress);
            using var output = new MemoryStream();
            zlib.CopyTo(output);
            return (output.ToArray(), CcmCompression.Zlib);
        }
        catch (InvalidDataException ex)
        {
            throw new CcmMessageFormatException($"The payload part has a zlib header but does not inflate: {ex.Message}", ex);
        }
    }

    /// <summary>A zlib stream starts with CM=8 (deflate) and a header checksum that is a multiple of 31.</summary>
    internal static bool LooksLikeZlib(ReadOnlySpan<byte> data) =>
        data.Length >= 2 && (data[0] & 0x0F) == 8 && (data[0] >> 4) <= 7 && ((data[0] << 8) | data[1]) % 31 == 0;
}
