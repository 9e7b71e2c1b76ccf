using System.Security.Cryptography;

namespace CmgSim.Messaging.Signing;

/// <summary>Writes a signed envelope: encode the payload, sign those exact bytes, put the hook in the header, write.</summary>
public static class CcmSigner
{
    public static byte[] WriteSigned(
        MsgHeader header,
        string body,
        RSA key,
        string smsId,
        string machine,
        CcmCompression compression = CcmCompression.Zlib,
        CcmSignatureStyle style = CcmSignatureStyle.Reversed,
        string boundary = CcmMessageWriter.DefaultBoundary)
    {
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(body);
        var payloadPart = CcmPayload.Encode(body, compression);
        var signed = header with
        {
            SourceId = SmsId.Normalize(smsId),
            BodyOffset = 0,
            BodyLength = CcmPayload.GetBodyLength(body),
            ZlibCompressHook = compression == CcmCompression.Zlib,
            ClientAuth = ClientAuthHook.Create(key, machine, smsId, payloadPart, style),
        };
        return CcmMessageWriter.WriteEncoded(signed.ToXml(), payloadPart, boundary);
    }
}
