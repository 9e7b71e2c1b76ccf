using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using CmgSim.Messaging;
using CmgSim.Messaging.Registration;
using CmgSim.Messaging.Signing;

namespace CmgSim.ManagementPoint.Tests;

/// <summary>A simulated client's key material and the messages it sends, built the way the tools build them.</summary>
internal sealed class TestClient : IDisposable
{
    public static readonly HttpMethod CcmPost = new("CCM_POST");

    public TestClient(string netbiosName = "CLIENT01")
    {
        NetbiosName = netbiosName;
        Key = RSA.Create(2048);
        var request = new CertificateRequest("CN=ConfigMgr Client", Key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        Certificate = request.CreateSelfSigned(new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2099, 1, 1, 0, 0, 0, TimeSpan.Zero));
    }

    public string NetbiosName { get; }

    public RSA Key { get; }

    public X509Certificate2 Certificate { get; }

    public static MsgHeader Header(string endpoint, string replyMode = "Sync", string? sourceId = null) => new()
    {
        ReplyCompression = CcmCompression.Zlib,
        Id = "{" + Guid.NewGuid().ToString().ToUpperInvariant() + "}",
        SourceId = sourceId,
        SourceHost = "CLIENT01",
        TargetAddress = "mp:[http]" + endpoint,
        TargetEndpoint = endpoint,
        ReplyTo = "direct:CLIENT01:SccmMessaging",
        ReplyMode = replyMode,
    };

    public byte[] Registration(string? smsId) =>
        CcmMessageWriter.Write(CcmMessage.Create(
            Header(ClientRegistrationBody.EndpointName),
            ClientRegistrationBody.Create(smsId, Certificate, Key, NetbiosName, NetbiosName.ToLowerInvariant() + ".contoso.com", new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero))));

    public byte[] SignedPolicyRequest(string smsId, CcmSignatureStyle style = CcmSignatureStyle.Reversed) =>
        CcmSigner.WriteSigned(Header("MP_PolicyManager"), "<RequestAssignments SchemaVersion=\"1.00\"/>", Key, smsId, NetbiosName, style: style);

    public static HttpRequestMessage Post(string path, byte[] body)
    {
        var request = new HttpRequestMessage(CcmPost, path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", CcmMessageWriter.GetContentType());
        return request;
    }

    public void Dispose()
    {
        Certificate.Dispose();
        Key.Dispose();
    }
}

/// <summary>NTLM NEGOTIATE and AUTHENTICATE messages as a client sends them (no real credentials).</summary>
internal static class NtlmClientMessages
{
    public static byte[] Negotiate()
    {
        var message = new byte[32];
        "NTLMSSP\0"u8.CopyTo(message);
        BinaryPrimitives.WriteInt32LittleEndian(message.AsSpan(8), 1);
        BinaryPrimitives.WriteUInt32LittleEndian(message.AsSpan(12), 0xE2088297);
        return message;
    }

    public static byte[] Authenticate(string domain, string user, string workstation)
    {
        var fields = new[] { new byte[24], new byte[24], Encoding.Unicode.GetBytes(domain), Encoding.Unicode.GetBytes(user), Encoding.Unicode.GetBytes(workstation), new byte[16] };
        var message = new byte[72 + fields.Sum(f => f.Length)];
        "NTLMSSP\0"u8.CopyTo(message);
        BinaryPrimitives.WriteInt32LittleEndian(message.AsSpan(8), 3);
        var offset = 72;
        for (var i = 0; i < fields.Length; i++)
        {
            var at = 12 + (i * 8);
            BinaryPrimitives.WriteUInt16LittleEndian(message.AsSpan(at), (ushort)fields[i].Length);
            BinaryPrimitives.WriteUInt16LittleEndian(message.AsSpan(at + 2), (ushort)fields[i].Length);
            BinaryPrimitives.WriteInt32LittleEndian(message.AsSpan(at + 4), offset);
            fields[i].CopyTo(message, offset);
            offset += fields[i].Length;
        }

        BinaryPrimitives.WriteUInt32LittleEndian(message.AsSpan(60), 0xE2088297);
        return message;
    }
}
