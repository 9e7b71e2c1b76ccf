using System.Security.Cryptography;
using System.Text;
using CmgSim.Messaging.Signing;

namespace CmgSim.Messaging.Tests;

public sealed class CcmSignatureTests
{
    private const string ClientSmsId = "GUID:C66E1F8A-0D52-4C4B-9A55-2C1E0E0B7F11";

    private static readonly RSA Key = RSA.Create(2048);

    private static MsgHeader PolicyHeader() => new()
    {
        Id = "{11111111-2222-3333-4444-555555555555}",
        SourceHost = "CLIENT01",
        TargetAddress = "mp:MP_PolicyManager",
        TargetEndpoint = "MP_PolicyManager",
        ReplyTo = "direct:CLIENT01:PolicyAgent_ReplyAssignments",
        ReplyMode = "Sync",
    };

    [Theory]
    [InlineData(CcmSignatureStyle.Reversed)]
    [InlineData(CcmSignatureStyle.BigEndian)]
    [InlineData(CcmSignatureStyle.ReversedNoDigestInfo)]
    [InlineData(CcmSignatureStyle.BigEndianNoDigestInfo)]
    public void Every_style_round_trips_and_is_recognised(CcmSignatureStyle style)
    {
        var data = Encoding.ASCII.GetBytes("payload bytes as sent");

        var signature = CcmSignature.Sign(Key, data, style);

        Assert.Equal(512, signature.Length);
        Assert.Equal(signature.ToUpperInvariant(), signature);
        Assert.Equal(style, CcmSignature.Verify(Key, data, signature));
        Assert.Null(CcmSignature.Verify(Key, Encoding.ASCII.GetBytes("payload bytes as senT"), signature));
    }

    [Fact]
    public void Product_style_is_the_reversed_dotnet_signature()
    {
        var data = "abc"u8.ToArray();
        var bigEndian = Key.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        Array.Reverse(bigEndian);

        Assert.Equal(Convert.ToHexString(bigEndian), CcmSignature.Sign(Key, data));
    }

    [Fact]
    public void Client_id_bytes_are_utf16_with_a_nul_and_uppercase()
    {
        var bytes = CcmSignature.ClientIdSignedBytes("guid:c66e1f8a-0d52-4c4b-9a55-2c1e0e0b7f11");

        Assert.Equal(Encoding.Unicode.GetBytes(ClientSmsId + "\0"), bytes);
    }

    [Fact]
    public void Public_key_blob_round_trips_in_the_cryptoapi_layout()
    {
        var blob = CcmPublicKeyBlob.FromRsa(Key);

        Assert.Equal([0x06, 0x02, 0x00, 0x00, 0x00, 0xA4, 0x00, 0x00, (byte)'R', (byte)'S', (byte)'A', (byte)'1', 0x00, 0x08, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00], blob[..20]);
        Assert.True(CcmPublicKeyBlob.TryToParameters(blob, out var parameters, out _));
        var original = Key.ExportParameters(false);
        Assert.Equal(original.Modulus, parameters.Modulus);
        Assert.Equal(original.Exponent, parameters.Exponent);
    }

    [Theory]
    [InlineData(CcmCompression.Zlib, CcmSignatureStyle.Reversed)]
    [InlineData(CcmCompression.None, CcmSignatureStyle.BigEndianNoDigestInfo)]
    public void Signed_envelope_verifies_after_parsing(CcmCompression compression, CcmSignatureStyle style)
    {
        var bytes = CcmSigner.WriteSigned(PolicyHeader(), "<RequestAssignments/>", Key, ClientSmsId, "CLIENT01", compression, style);

        var envelope = CcmMessageReader.Read(bytes, CcmMessageWriter.GetContentType());
        var result = ClientAuthVerifier.Verify(envelope);

        Assert.True(result.IsValid, result.Reason);
        Assert.Equal(style, result.Style);
        Assert.Equal("CLIENT01", result.Hook!.AuthSenderMachine);
        Assert.Equal("NonSSL", result.Hook.ClientCapabilities);
        Assert.Equal(CcmSignature.Sha256WithRsaOid, result.Hook.HashAlgorithm);
        Assert.Equal(ClientSmsId, envelope.Header.SourceId);
        var header = envelope.Message.Header;
        Assert.True(header.IndexOf("<Hook2 Name=\"clientauth\">", StringComparison.Ordinal) < header.IndexOf("zlib-compress", StringComparison.Ordinal) || compression == CcmCompression.None);
    }

    [Fact]
    public void Tampered_payload_fails_the_payload_signature()
    {
        var header = PolicyHeader();
        var body = "<RequestAssignments/>";
        var payload = CcmPayload.Encode(body, CcmCompression.Zlib);
        var hook = ClientAuthHook.Create(Key, "CLIENT01", ClientSmsId, payload);
        var tampered = CcmPayload.Encode("<RequestAssignments A=\"1\"/>", CcmCompression.Zlib);
        var signed = header with { SourceId = ClientSmsId, BodyLength = CcmPayload.GetBodyLength(body), ZlibCompressHook = true, ClientAuth = hook };

        var envelope = CcmMessageReader.Read(CcmMessageWriter.WriteEncoded(signed.ToXml(), tampered), null);
        var result = ClientAuthVerifier.Verify(envelope);

        Assert.Equal(CcmSignatureFailure.PayloadSignatureInvalid, result.Failure);
        Assert.Contains("PayloadSignature", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Other_source_id_fails_the_client_id_signature()
    {
        var bytes = CcmSigner.WriteSigned(PolicyHeader(), "<RequestAssignments/>", Key, ClientSmsId, "CLIENT01");
        var envelope = CcmMessageReader.Read(bytes, null);
        var forged = envelope with { Header = envelope.Header with { SourceId = "GUID:00000000-0000-0000-0000-000000000001" } };

        var result = ClientAuthVerifier.Verify(forged);

        Assert.Equal(CcmSignatureFailure.ClientIdSignatureInvalid, result.Failure);
    }

    [Fact]
    public void Missing_hook_is_reported()
    {
        var bytes = CcmMessageWriter.Write(CcmMessage.Create(PolicyHeader() with { SourceId = ClientSmsId }, "<RequestAssignments/>"));

        var result = ClientAuthVerifier.Verify(CcmMessageReader.Read(bytes, null));

        Assert.Equal(CcmSignatureFailure.MissingHook, result.Failure);
    }
}
