using System.Security.Cryptography;

namespace CmgSim.Messaging.Signing;

/// <summary>The outcome of <see cref="ClientAuthVerifier.Verify"/>; <see cref="Reason"/> says which signature failed and why.</summary>
public sealed record ClientAuthVerification(CcmSignatureFailure Failure, string Reason, ClientAuthHook? Hook, CcmSignatureStyle? Style, byte[]? PublicKeyBlob)
{
    public bool IsValid => Failure == CcmSignatureFailure.None;
}

/// <summary>
/// Checks the <c>clientauth</c> hook of a received envelope: the hash algorithm, the
/// <c>PublicKey</c> blob, <c>ClientIDSignature</c> over the header's <c>SourceID</c>, and
/// <c>PayloadSignature</c> over <see cref="CcmEnvelope.PayloadPart"/> (the bytes as sent).
/// Whether the key belongs to the registered client is the caller's check (it needs the site database).
/// </summary>
public static class ClientAuthVerifier
{
    public static ClientAuthVerification Verify(CcmEnvelope envelope)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        var hook = ClientAuthHook.FromMsg(envelope.Header.Element) ?? envelope.Header.ClientAuth;
        if (hook is null)
        {
            return Fail(CcmSignatureFailure.MissingHook, "the header has no <Hook2 Name=\"clientauth\">", null);
        }

        if (string.IsNullOrWhiteSpace(envelope.Header.SourceId))
        {
            return Fail(CcmSignatureFailure.MissingSourceId, "the header has no SourceID to check ClientIDSignature against", hook);
        }

        // Absent HashAlgorithm = SHA-256 as well: older tools omit it, and SHA-1 clients are out of scope.
        if (hook.HashAlgorithm is { Length: > 0 } algorithm && algorithm != CcmSignature.Sha256WithRsaOid)
        {
            return Fail(CcmSignatureFailure.UnsupportedHashAlgorithm, $"HashAlgorithm {algorithm} is not {CcmSignature.Sha256WithRsaOid}", hook);
        }

        byte[] blob;
        try
        {
            blob = Convert.FromHexString(hook.PublicKey ?? string.Empty);
        }
        catch (FormatException)
        {
            return Fail(CcmSignatureFailure.MalformedPublicKey, "PublicKey is not hex", hook);
        }

        if (!CcmPublicKeyBlob.TryToParameters(blob, out var parameters, out var blobError))
        {
            return Fail(CcmSignatureFailure.MalformedPublicKey, $"PublicKey is {blobError}", hook);
        }

        using var key = RSA.Create();
        try
        {
            key.ImportParameters(parameters);
        }
        catch (CryptographicException ex)
        {
            return Fail(CcmSignatureFailure.MalformedPublicKey, $"PublicKey does not import: {ex.Message}", hook);
        }

        var sourceId = SmsId.Normalize(envelope.Header.SourceId);
        if (CcmSignature.Verify(key, CcmSignature.ClientIdSignedBytes(sourceId), hook.ClientIdSignature) is null)
        {
            return Fail(CcmSignatureFailure.ClientIdSignatureInvalid, $"ClientIDSignature does not verify for SourceID {sourceId} with the hook's PublicKey", hook);
        }

        var style = CcmSignature.Verify(key, envelope.PayloadPart, hook.PayloadSignature);
        return style is null
            ? Fail(CcmSignatureFailure.PayloadSignatureInvalid, $"PayloadSignature does not verify over the {envelope.PayloadPart.Length} payload bytes as sent", hook)
            : new ClientAuthVerification(CcmSignatureFailure.None, $"signed ({style})", hook, style, blob);
    }

    private static ClientAuthVerification Fail(CcmSignatureFailure failure, string reason, ClientAuthHook? hook) =>
        new(failure, reason, hook, null, null);
}
