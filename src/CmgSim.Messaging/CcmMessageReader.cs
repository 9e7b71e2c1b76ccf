using System.Diagnostics.CodeAnalysis;
using System.Net.Http.Headers;
using System.Text;

namespace CmgSim.Messaging;

/// <summary>
/// Parses a CcmMessaging <c>multipart</c> body. Lenient the way real MPs are (client-protocols §2.2,
/// §8 item 2): the SDK dialect (octet-stream + zlib) and the form-data dialect (raw UTF-16 body),
/// header BOM optional, trailing NULs and CRLFs ignored, any boundary (from the Content-Type, or
/// from the first line when the Content-Type has none). Part 1 is the header, part 2 the payload.
/// </summary>
public static class CcmMessageReader
{
    /// <summary>Parses <paramref name="body"/>; throws <see cref="CcmMessageFormatException"/> saying what is wrong.</summary>
    public static CcmEnvelope Read(ReadOnlySpan<byte> body, string? contentType)
    {
        if (body.IsEmpty)
        {
            throw new CcmMessageFormatException("The request body is empty.");
        }

        var boundary = GetBoundary(contentType) ?? SniffBoundary(body)
            ?? throw new CcmMessageFormatException($"No multipart boundary in Content-Type '{contentType}' or on the first line.");
        var parts = SplitParts(body, boundary);
        if (parts.Count < 2)
        {
            throw new CcmMessageFormatException($"Expected a header part and a payload part, found {parts.Count} part(s) with boundary '{boundary}'.");
        }

        var headerXml = DecodeText(parts[0]);
        if (headerXml.Length == 0)
        {
            throw new CcmMessageFormatException("The header part is empty.");
        }

        var header = MsgHeader.Parse(headerXml);
        var payloadPart = parts[1].ToArray();
        var (payload, compression) = CcmPayload.Decode(payloadPart);
        var bodyBytes = payload.AsSpan();
        if (header.BodyLength is { } length && header.BodyOffset is var offset
            && (offset ?? 0) >= 0 && length >= 0 && (offset ?? 0) + length <= payload.Length)
        {
            // Tools disagree on whether Length counts the trailing CRLF, so an out-of-range value is ignored rather than fatal.
            bodyBytes = bodyBytes.Slice(offset ?? 0, length);
        }

        var bodyXml = DecodeUtf16(bodyBytes);
        return new CcmEnvelope(new CcmMessage(headerXml, bodyXml, compression), header, payloadPart, payload);
    }

    public static bool TryRead(
        ReadOnlySpan<byte> body,
        string? contentType,
        [NotNullWhen(true)] out CcmEnvelope? envelope,
        [NotNullWhen(false)] out string? error)
    {
        try
        {
            envelope = Read(body, contentType);
            error = null;
            return true;
        }
        catch (CcmMessageFormatException ex)
        {
            envelope = null;
            error = ex.Message;
            return false;
        }
    }

    internal static string? GetBoundary(string? contentType)
    {
        if (string.IsNullOrWhiteSpace(contentType) || !MediaTypeHeaderValue.TryParse(contentType, out var mediaType))
        {
            return null;
        }

        var value = mediaType.Parameters
            .FirstOrDefault(p => string.Equals(p.Name, "boundary", StringComparison.OrdinalIgnoreCase))?.Value;
        return string.IsNullOrEmpty(value) ? null : value.Trim('"');
    }

    private static string? SniffBoundary(ReadOnlySpan<byte> body)
    {
        if (body.Length < 3 || body[0] != '-' || body[1] != '-')
        {
            return null;
        }

        var end = body.IndexOfAny((byte)'\r', (byte)'\n');
        return end > 2 ? Encoding.ASCII.GetString(body[2..end]).Trim() : null;
    }

    private static List<ReadOnlyMemory<byte>> SplitParts(ReadOnlySpan<byte> body, string boundary)
    {
        var delimiter = Encoding.ASCII.GetBytes("--" + boundary);
        var data = body.ToArray();
        var parts = new List<ReadOnlyMemory<byte>>();
        var position = FindDelimiter(data, delimiter, 0);
        while (position >= 0)
        {
            var afterDelimiter = position + delimiter.Length;
            if (afterDelimiter + 1 < data.Length && data[afterDelimiter] == '-' && data[afterDelimiter + 1] == '-')
            {
                break;
            }

            var partStart = SkipLineEnd(data, afterDelimiter);
            var next = FindDelimiter(data, delimiter, partStart);
            var partEnd = next >= 0 ? TrimLineEndBefore(data, next) : data.Length;
            if (partStart > partEnd)
            {
                partEnd = partStart;
            }

            parts.Add(StripPartHeaders(data.AsMemory(partStart, partEnd - partStart)));
            position = next;
        }

        return parts;
    }

    /// <summary>A delimiter counts only at the start of the body or of a line.</summary>
    private static int FindDelimiter(byte[] data, byte[] delimiter, int from)
    {
        while (from <= data.Length - delimiter.Length)
        {
            var index = data.AsSpan(from).IndexOf(delimiter);
            if (index < 0)
            {
                return -1;
            }

            var absolute = from + index;
            if (absolute == 0 || data[absolute - 1] == '\n')
            {
                return absolute;
            }

            from = absolute + 1;
        }

        return -1;
    }

    private static int SkipLineEnd(byte[] data, int index)
    {
        while (index < data.Length && (data[index] == ' ' || data[index] == '\t'))
        {
            index++;
        }

        if (index < data.Length && data[index] == '\r')
        {
            index++;
        }

        if (index < data.Length && data[index] == '\n')
        {
            index++;
        }

        return index;
    }

    /// <summary>The CRLF before a delimiter belongs to the delimiter, not to the part.</summary>
    private static int TrimLineEndBefore(byte[] data, int delimiterStart)
    {
        var end = delimiterStart;
        if (end > 0 && data[end - 1] == '\n')
        {
            end--;
            if (end > 0 && data[end - 1] == '\r')
            {
                end--;
            }
        }

        return end;
    }

    private static ReadOnlyMemory<byte> StripPartHeaders(ReadOnlyMemory<byte> part)
    {
        var span = part.Span;
        var crlf = span.IndexOf("\r\n\r\n"u8);
        var lf = span.IndexOf("\n\n"u8);
        if (crlf >= 0 && (lf < 0 || crlf <= lf))
        {
            return part[(crlf + 4)..];
        }

        return lf >= 0 ? part[(lf + 2)..] : part;
    }

    /// <summary>The header part: UTF-16 with or without BOM (also tolerates UTF-8, which some scripts send).</summary>
    internal static string DecodeText(ReadOnlyMemory<byte> part)
    {
        var span = part.Span;
        if (span.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]))
        {
            return DecodeUtf16(span[2..]);
        }

        if (span.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]))
        {
            return Encoding.BigEndianUnicode.GetString(span[2..(2 + ((span.Length - 2) & ~1))]).TrimEnd('\0', '\r', '\n', ' ');
        }

        if (span.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            return Encoding.UTF8.GetString(span[3..]).TrimEnd('\0', '\r', '\n', ' ');
        }

        if (span.Length >= 2 && span[0] != 0 && span[1] == 0)
        {
            return DecodeUtf16(span);
        }

        return Encoding.UTF8.GetString(span).TrimEnd('\0', '\r', '\n', ' ');
    }

    /// <summary>
    /// UTF-16LE text without its tail: NULs (00 00, or an odd 00 00 00), CRLF as UTF-16 or as two
    /// ASCII bytes (xpn-style tools append <c>\r\n</c> after the NUL inside the payload).
    /// </summary>
    internal static string DecodeUtf16(ReadOnlySpan<byte> data)
    {
        if (data.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]))
        {
            data = data[2..];
        }

        var length = data.Length;
        while (length > 0)
        {
            if (length >= 2 && data[length - 2] == '\r' && data[length - 1] == '\n')
            {
                length -= 2;
            }
            else if (length % 2 == 1 && data[length - 1] is 0 or (byte)'\r' or (byte)'\n')
            {
                length--;
            }
            else if (length >= 2 && data[length - 1] == 0 && data[length - 2] is 0 or (byte)'\r' or (byte)'\n' or (byte)' ')
            {
                length -= 2;
            }
            else
            {
                break;
            }
        }

        return Encoding.Unicode.GetString(data[..(length & ~1)]);
    }
}
