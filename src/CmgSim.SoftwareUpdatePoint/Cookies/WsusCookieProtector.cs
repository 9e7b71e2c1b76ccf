using System.Security.Cryptography;
using System.Text;

namespace CmgSim.SoftwareUpdatePoint.Cookies;

/// <summary>What a cookie blob is for; bound into the AES-GCM associated data so one cannot stand in for the other.</summary>
internal enum CookiePurpose : byte
{
    Authorization = 1,
    Server = 2,
}

/// <summary>The sealed content of both cookies: who the client is and until when the cookie holds.</summary>
internal sealed record CookiePayload(string ClientId, string TargetGroup, DateTimeOffset IssuedAt, DateTimeOffset ExpiresAt);

internal enum CookieRejection
{
    None,

    /// <summary>Not base64, too short, wrong version or purpose, or the GCM tag does not verify (tampering).</summary>
    Malformed,

    /// <summary>Well formed, but sealed by another server instance.</summary>
    ForeignServer,
}

/// <summary>
/// Seals the cookies [MS-WUSP] calls opaque (<c>CookieData</c>, <c>Cookie/EncryptedData</c>) with
/// AES-256-GCM under a per-server random key, so any change to the blob fails the tag check
/// (InvalidCookie) and the expiry inside cannot be extended by the client. Layout:
/// <c>version(1) | serverId(16) | idCheck(4) | purpose(1) | nonce(12) | tag(16) | ciphertext</c>. The
/// server id is in clear so a cookie from another SUP is told apart as ServerChanged rather than
/// InvalidCookie; idCheck (SHA-256 prefix of the id, unkeyed) keeps a flipped id byte from passing
/// as another server: that is tampering, so InvalidCookie. The whole header is GCM associated data.
/// </summary>
internal sealed class WsusCookieProtector : IDisposable
{
    private const byte FormatVersion = 1;
    private const int HeaderLength = 1 + 16 + IdCheckLength + 1;
    private const int IdCheckLength = 4;
    private const int NonceLength = 12;
    private const int TagLength = 16;

    private readonly AesGcm _aes;

    public WsusCookieProtector()
    {
        _aes = new AesGcm(RandomNumberGenerator.GetBytes(32), TagLength);
        ServerId = Guid.NewGuid();
    }

    public Guid ServerId { get; }

    public string Protect(CookiePurpose purpose, CookiePayload payload)
    {
        var plaintext = Serialize(payload);
        var blob = new byte[HeaderLength + NonceLength + TagLength + plaintext.Length];
        WriteHeader(blob, purpose);
        var nonce = blob.AsSpan(HeaderLength, NonceLength);
        RandomNumberGenerator.Fill(nonce);
        _aes.Encrypt(nonce, plaintext, blob.AsSpan(HeaderLength + NonceLength + TagLength), blob.AsSpan(HeaderLength + NonceLength, TagLength), blob.AsSpan(0, HeaderLength));
        return Convert.ToBase64String(blob);
    }

    public CookieRejection TryUnprotect(string? encoded, CookiePurpose purpose, out CookiePayload? payload)
    {
        payload = null;
        var blob = new byte[((encoded?.Length ?? 0) * 3 / 4) + 3];
        if (string.IsNullOrWhiteSpace(encoded) || !Convert.TryFromBase64String(encoded.Trim(), blob, out var length)
            || length < HeaderLength + NonceLength + TagLength || blob[0] != FormatVersion)
        {
            return CookieRejection.Malformed;
        }

        if (new Guid(blob.AsSpan(1, 16)) != ServerId)
        {
            return IdCheck(blob.AsSpan(1, 16)).AsSpan().SequenceEqual(blob.AsSpan(17, IdCheckLength))
                ? CookieRejection.ForeignServer
                : CookieRejection.Malformed;
        }

        if (blob[HeaderLength - 1] != (byte)purpose)
        {
            return CookieRejection.Malformed;
        }

        var plaintext = new byte[length - HeaderLength - NonceLength - TagLength];
        try
        {
            _aes.Decrypt(blob.AsSpan(HeaderLength, NonceLength), blob.AsSpan(HeaderLength + NonceLength + TagLength, plaintext.Length), blob.AsSpan(HeaderLength + NonceLength, TagLength), plaintext, blob.AsSpan(0, HeaderLength));
            payload = Deserialize(plaintext);
            return CookieRejection.None;
        }
        catch (Exception ex) when (ex is CryptographicException or EndOfStreamException or DecoderFallbackException)
        {
            return CookieRejection.Malformed;
        }
    }

    public void Dispose() => _aes.Dispose();

    private void WriteHeader(Span<byte> blob, CookiePurpose purpose)
    {
        blob[0] = FormatVersion;
        ServerId.TryWriteBytes(blob.Slice(1, 16));
        IdCheck(blob.Slice(1, 16)).CopyTo(blob.Slice(17, IdCheckLength));
        blob[HeaderLength - 1] = (byte)purpose;
    }

    private static byte[] IdCheck(ReadOnlySpan<byte> serverId) => SHA256.HashData(serverId)[..IdCheckLength];

    private static byte[] Serialize(CookiePayload payload)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(payload.ClientId);
            writer.Write(payload.TargetGroup);
            writer.Write(payload.IssuedAt.ToUnixTimeMilliseconds());
            writer.Write(payload.ExpiresAt.ToUnixTimeMilliseconds());
        }

        return stream.ToArray();
    }

    private static CookiePayload Deserialize(byte[] plaintext)
    {
        using var reader = new BinaryReader(new MemoryStream(plaintext), new UTF8Encoding(false, true));
        return new CookiePayload(
            reader.ReadString(),
            reader.ReadString(),
            DateTimeOffset.FromUnixTimeMilliseconds(reader.ReadInt64()),
            DateTimeOffset.FromUnixTimeMilliseconds(reader.ReadInt64()));
    }
}
