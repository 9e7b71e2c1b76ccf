namespace CmgSim.Messaging;

/// <summary>
/// What <see cref="CcmMessageReader"/> found: the message, its parsed header, and the raw parts.
/// <see cref="PayloadPart"/> is kept byte for byte because the <c>PayloadSignature</c> of the
/// <c>clientauth</c> hook is computed over it (verification comes with the signature issue).
/// </summary>
public sealed record CcmEnvelope(CcmMessage Message, MsgHeader Header, byte[] PayloadPart, byte[] Payload);
