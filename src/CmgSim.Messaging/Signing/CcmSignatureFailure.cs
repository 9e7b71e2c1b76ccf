namespace CmgSim.Messaging.Signing;

/// <summary>Why a signed message was refused; the MP logs it and answers with the empty 200.</summary>
public enum CcmSignatureFailure
{
    None,
    MissingHook,
    MissingSourceId,
    UnsupportedHashAlgorithm,
    MalformedPublicKey,
    ClientIdSignatureInvalid,
    PayloadSignatureInvalid,
    UnknownClient,
    KeyMismatch,
    UnapprovedClient,
}
