namespace CmgSim.Messaging;

/// <summary>
/// One CcmMessaging message: the <c>&lt;Msg&gt;</c> header XML and the body XML (both without BOM
/// or trailing NUL), plus how the payload part is (or was) encoded on the wire.
/// </summary>
/// <param name="Header">The <c>&lt;Msg&gt;</c> header XML.</param>
/// <param name="Body">The body XML, e.g. a <c>SiteInformationRequest</c>.</param>
/// <param name="Compression">How the payload part is encoded: set it for writing, read it after parsing.</param>
public sealed record CcmMessage(string Header, string Body, CcmCompression Compression = CcmCompression.Zlib)
{
    /// <summary>
    /// Builds a message whose header's <c>Body</c> byte range and <c>zlib-compress</c> hook match
    /// <paramref name="body"/> and <paramref name="compression"/>, so the two can never disagree.
    /// </summary>
    public static CcmMessage Create(MsgHeader header, string body, CcmCompression compression = CcmCompression.Zlib)
    {
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(body);
        var fitted = header with
        {
            BodyOffset = 0,
            BodyLength = CcmPayload.GetBodyLength(body),
            ZlibCompressHook = compression == CcmCompression.Zlib,
        };
        return new CcmMessage(fitted.ToXml(), body, compression);
    }

    /// <summary>Parses <see cref="Header"/>; throws <see cref="CcmMessageFormatException"/> when it is not a <c>&lt;Msg&gt;</c>.</summary>
    public MsgHeader ParseHeader() => MsgHeader.Parse(Header);
}
