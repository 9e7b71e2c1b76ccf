using System.Text;

namespace CmgSim.Messaging;

/// <summary>
/// Writes the <c>multipart/mixed</c> CcmMessaging body exactly as client-protocols §2.2: a
/// <c>text/plain; charset=UTF-16</c> header part with an <c>FF FE</c> BOM, then an
/// <c>application/octet-stream</c> payload part, lower-case part headers, no trailing CRLF.
/// </summary>
public static class CcmMessageWriter
{
    /// <summary>The constant boundary of the Messaging SDK and every public tool.</summary>
    public const string DefaultBoundary = "aAbBcCdDv1234567890VxXyYzZ";

    public const string HeaderPartContentType = "text/plain; charset=UTF-16";

    /// <summary>Python tools select the payload part by comparing with exactly this string.</summary>
    public const string PayloadPartContentType = "application/octet-stream";

    /// <summary>The HTTP <c>Content-Type</c> for a body written with <paramref name="boundary"/>.</summary>
    public static string GetContentType(string boundary = DefaultBoundary) => $"multipart/mixed; boundary=\"{boundary}\"";

    /// <summary>Encodes the body per <see cref="CcmMessage.Compression"/> and writes the envelope.</summary>
    public static byte[] Write(CcmMessage message, string boundary = DefaultBoundary)
    {
        ArgumentNullException.ThrowIfNull(message);
        return WriteEncoded(message.Header, CcmPayload.Encode(message.Body, message.Compression), boundary);
    }

    /// <summary>
    /// Writes an envelope around an already encoded payload part. This is the signing seam: encode
    /// with <see cref="CcmPayload.Encode"/>, sign those bytes, put the signature into the header's
    /// hooks, then call this with the same bytes.
    /// </summary>
    public static byte[] WriteEncoded(string header, ReadOnlySpan<byte> payloadPart, string boundary = DefaultBoundary)
    {
        ArgumentNullException.ThrowIfNull(header);
        ArgumentException.ThrowIfNullOrEmpty(boundary);
        using var output = new MemoryStream();
        WriteAscii(output, $"--{boundary}\r\ncontent-type: {HeaderPartContentType}\r\n\r\n");
        output.Write(Encoding.Unicode.GetPreamble());
        output.Write(Encoding.Unicode.GetBytes(header));
        WriteAscii(output, $"\r\n--{boundary}\r\ncontent-type: {PayloadPartContentType}\r\n\r\n");
        output.Write(payloadPart);
        WriteAscii(output, $"\r\n--{boundary}--");
        return output.ToArray();
    }

    private static void WriteAscii(Stream output, string text) => output.Write(Encoding.ASCII.GetBytes(text));
}
