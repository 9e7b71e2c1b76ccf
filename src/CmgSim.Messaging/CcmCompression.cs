namespace CmgSim.Messaging;

/// <summary>How the payload part of a CcmMessaging envelope is encoded.</summary>
public enum CcmCompression
{
    /// <summary>A zlib (RFC 1950) stream of the UTF-16LE body; the product's default.</summary>
    Zlib,

    /// <summary>The raw UTF-16LE body (<c>ReplyCompression="none"</c>, or the form-data dialect).</summary>
    None,
}
