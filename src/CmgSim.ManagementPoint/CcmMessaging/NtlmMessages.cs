using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace CmgSim.ManagementPoint.CcmMessaging;

/// <summary>
/// Just enough [MS-NLMP] for the IIS Windows-auth round trip: recognise NEGOTIATE (type 1) and
/// AUTHENTICATE (type 3), build a well-formed CHALLENGE (type 2). Credentials are never checked
/// (client-protocols §8 item 1), so no NTLM cryptography is done.
/// </summary>
internal static class NtlmMessages
{
    public const int Negotiate = 1;
    public const int Challenge = 2;
    public const int Authenticate = 3;

    private const uint NegotiateUnicode = 0x00000001;
    private const uint RequestTarget = 0x00000004;
    private const uint NegotiateNtlm = 0x00000200;
    private const uint NegotiateAlwaysSign = 0x00008000;
    private const uint TargetTypeDomain = 0x00010000;
    private const uint NegotiateExtendedSessionSecurity = 0x00080000;
    private const uint NegotiateTargetInfo = 0x00800000;
    private const uint NegotiateVersion = 0x02000000;
    private const uint Negotiate128 = 0x20000000;
    private const uint Negotiate56 = 0x80000000;

    private static ReadOnlySpan<byte> Signature => "NTLMSSP\0"u8;

    /// <returns>The message type (1, 2 or 3), or 0 when <paramref name="token"/> is not NTLMSSP.</returns>
    public static int GetMessageType(ReadOnlySpan<byte> token) =>
        token.Length >= 12 && token.StartsWith(Signature) ? BinaryPrimitives.ReadInt32LittleEndian(token[8..]) : 0;

    /// <summary>A CHALLENGE_MESSAGE: 56-byte header, target name and AV pairs (NetBIOS/DNS names, timestamp, EOL).</summary>
    public static byte[] BuildChallenge(string netbiosDomain, string netbiosComputer, string dnsDomain, string dnsComputer, DateTimeOffset now)
    {
        var targetName = Encoding.Unicode.GetBytes(netbiosDomain);
        using var info = new MemoryStream();
        WriteAvPair(info, 2, Encoding.Unicode.GetBytes(netbiosDomain));
        WriteAvPair(info, 1, Encoding.Unicode.GetBytes(netbiosComputer));
        WriteAvPair(info, 4, Encoding.Unicode.GetBytes(dnsDomain));
        WriteAvPair(info, 3, Encoding.Unicode.GetBytes(dnsComputer));
        var fileTime = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(fileTime, now.ToFileTime());
        WriteAvPair(info, 7, fileTime);
        WriteAvPair(info, 0, []);
        var targetInfo = info.ToArray();

        const int headerLength = 56;
        var message = new byte[headerLength + targetName.Length + targetInfo.Length];
        var span = message.AsSpan();
        Signature.CopyTo(span);
        BinaryPrimitives.WriteInt32LittleEndian(span[8..], Challenge);
        WriteField(span[12..], targetName.Length, headerLength);
        BinaryPrimitives.WriteUInt32LittleEndian(span[20..], NegotiateUnicode | RequestTarget | NegotiateNtlm | NegotiateAlwaysSign | TargetTypeDomain
            | NegotiateExtendedSessionSecurity | NegotiateTargetInfo | NegotiateVersion | Negotiate128 | Negotiate56);
        RandomNumberGenerator.Fill(span.Slice(24, 8));
        WriteField(span[40..], targetInfo.Length, headerLength + targetName.Length);

        // Version: Windows Server 2022 (10.0.20348), NTLM revision 15.
        span[48] = 10;
        span[49] = 0;
        BinaryPrimitives.WriteUInt16LittleEndian(span[50..], 20348);
        span[55] = 15;
        targetName.CopyTo(span[headerLength..]);
        targetInfo.CopyTo(span[(headerLength + targetName.Length)..]);
        return message;
    }

    /// <summary>DOMAIN\User from an AUTHENTICATE_MESSAGE (workstation when the user is empty); null when malformed.</summary>
    public static string? ReadAccount(ReadOnlySpan<byte> token)
    {
        if (GetMessageType(token) != Authenticate || token.Length < 64)
        {
            return null;
        }

        var unicode = (BinaryPrimitives.ReadUInt32LittleEndian(token[60..]) & NegotiateUnicode) != 0;
        var domain = ReadField(token, 28, unicode);
        var user = ReadField(token, 36, unicode);
        var workstation = ReadField(token, 44, unicode);
        if (domain is null || user is null)
        {
            return null;
        }

        return user.Length > 0 ? (domain.Length > 0 ? domain + "\\" + user : user) : workstation;
    }

    private static string? ReadField(ReadOnlySpan<byte> token, int at, bool unicode)
    {
        var length = BinaryPrimitives.ReadUInt16LittleEndian(token[at..]);
        var offset = BinaryPrimitives.ReadInt32LittleEndian(token[(at + 4)..]);
        if (offset < 0 || offset + length > token.Length)
        {
            return null;
        }

        var bytes = token.Slice(offset, length);
        return unicode ? Encoding.Unicode.GetString(bytes) : Encoding.ASCII.GetString(bytes);
    }

    private static void WriteField(Span<byte> at, int length, int offset)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(at, (ushort)length);
        BinaryPrimitives.WriteUInt16LittleEndian(at[2..], (ushort)length);
        BinaryPrimitives.WriteInt32LittleEndian(at[4..], offset);
    }

    private static void WriteAvPair(MemoryStream stream, ushort id, byte[] value)
    {
        Span<byte> header = stackalloc byte[4];
        BinaryPrimitives.WriteUInt16LittleEndian(header, id);
        BinaryPrimitives.WriteUInt16LittleEndian(header[2..], (ushort)value.Length);
        stream.Write(header);
        stream.Write(value);
    }
}
