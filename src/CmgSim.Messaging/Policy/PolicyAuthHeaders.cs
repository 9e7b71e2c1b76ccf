using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using CmgSim.Messaging.Signing;

namespace CmgSim.Messaging.Policy;

/// <summary>
/// The client authentication headers of a secret policy download (client-protocols §3.3): the tools'
/// <c>ClientToken</c> pair and the documented <c>CCMClientID*</c> set. Each signature is
/// <see cref="CcmSignature"/> over UTF-16LE(value) + <c>00 00</c>.
/// </summary>
public static class PolicyAuthHeaders
{
    public const string ClientToken = "ClientToken";
    public const string ClientTokenSignature = "ClientTokenSignature";
    public const string CcmClientId = "CCMClientID";
    public const string CcmClientIdSignature = "CCMClientIDSignature";
    public const string CcmClientTimestamp = "CCMClientTimestamp";
    public const string CcmClientTimestampSignature = "CCMClientTimestampSignature";

    /// <summary><c>GUID:&lt;id&gt;;&lt;yyyy-MM-ddTHH:mm:ssZ&gt;;2</c> as sccmwtf/sccmhunter/impacket send it.</summary>
    public static string FormatClientToken(string smsId, DateTimeOffset time) =>
        $"{SmsId.Normalize(smsId)};{FormatTimestamp(time)};2";

    public static string FormatTimestamp(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>UTF-16LE of <paramref name="value"/> plus the NUL terminator: what every header signature covers.</summary>
    public static byte[] SignedBytes(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var bytes = new byte[Encoding.Unicode.GetByteCount(value) + 2];
        Encoding.Unicode.GetBytes(value, bytes);
        return bytes;
    }

    public static string Sign(RSA key, string value) => CcmSignature.Sign(key, SignedBytes(value));

    /// <summary>The four <c>CCMClientID*</c> headers (the IBCM style).</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> CcmClientIdHeaders(RSA key, string smsId, DateTimeOffset time)
    {
        var id = SmsId.Normalize(smsId);
        var timestamp = FormatTimestamp(time);
        return
        [
            new(CcmClientId, id),
            new(CcmClientIdSignature, Sign(key, id)),
            new(CcmClientTimestamp, timestamp),
            new(CcmClientTimestampSignature, Sign(key, timestamp)),
        ];
    }

    /// <summary>The <c>ClientToken</c> pair (the tools' style).</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> ClientTokenHeaders(RSA key, string smsId, DateTimeOffset time)
    {
        var token = FormatClientToken(smsId, time);
        return [new(ClientToken, token), new(ClientTokenSignature, Sign(key, token))];
    }
}
