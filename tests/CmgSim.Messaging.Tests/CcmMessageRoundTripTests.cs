using System.IO.Compression;
using System.Text;

namespace CmgSim.Messaging.Tests;

public sealed class CcmMessageRoundTripTests
{
    private const string Body = "<SiteInformationRequest SchemaVersion=\"1.00\"><SiteCode Name=\"PS1\"/></SiteInformationRequest>";

    private static MsgHeader SampleHeader() => new()
    {
        ReplyCompression = CcmCompression.Zlib,
        Id = "{5DD100CD-DF1D-45F5-BA17-A327F43465F8}",
        SourceHost = "CLIENT01",
        TargetAddress = "mp:[http]MP_LocationManager",
        TargetEndpoint = "MP_LocationManager",
        TargetHost = "MP01",
        ReplyTo = "direct:CLIENT01:LS_ReplyLocations",
        ReplyMode = "Sync",
        Priority = 3,
        Timeout = 600,
        SentTime = new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.Zero),
    };

    [Theory]
    [InlineData(CcmCompression.Zlib)]
    [InlineData(CcmCompression.None)]
    public void Write_then_read_gives_back_header_and_body(CcmCompression compression)
    {
        var message = CcmMessage.Create(SampleHeader(), Body, compression);

        var bytes = CcmMessageWriter.Write(message);
        var envelope = CcmMessageReader.Read(bytes, CcmMessageWriter.GetContentType());

        Assert.Equal(message.Header, envelope.Message.Header);
        Assert.Equal(Body, envelope.Message.Body);
        Assert.Equal(compression, envelope.Message.Compression);
        Assert.Equal("MP_LocationManager", envelope.Header.TargetEndpoint);
        Assert.Equal("direct:CLIENT01:LS_ReplyLocations", envelope.Header.ReplyTo);
        Assert.Equal(compression == CcmCompression.Zlib, envelope.Header.ZlibCompressHook);
        Assert.Equal(Encoding.Unicode.GetByteCount(Body) + 2, envelope.Header.BodyLength);
        Assert.Equal(0, envelope.Header.BodyOffset);
    }

    [Fact]
    public void Writer_produces_the_exact_sdk_layout()
    {
        var message = CcmMessage.Create(SampleHeader(), Body);

        var bytes = CcmMessageWriter.Write(message);

        var prefix = "--aAbBcCdDv1234567890VxXyYzZ\r\ncontent-type: text/plain; charset=UTF-16\r\n\r\n"u8;
        Assert.True(bytes.AsSpan().StartsWith(prefix));
        Assert.Equal(0xFF, bytes[prefix.Length]);
        Assert.Equal(0xFE, bytes[prefix.Length + 1]);
        var separator = "\r\n--aAbBcCdDv1234567890VxXyYzZ\r\ncontent-type: application/octet-stream\r\n\r\n"u8.ToArray();
        var payloadStart = bytes.AsSpan().IndexOf(separator) + separator.Length;
        Assert.True(bytes.AsSpan().EndsWith("\r\n--aAbBcCdDv1234567890VxXyYzZ--"u8));
        var payloadEnd = bytes.Length - "\r\n--aAbBcCdDv1234567890VxXyYzZ--".Length;

        using var inflate = new ZLibStream(new MemoryStream(bytes[payloadStart..payloadEnd]), CompressionMode.Decompress);
        using var raw = new MemoryStream();
        inflate.CopyTo(raw);
        var expected = Encoding.Unicode.GetBytes(Body).Concat(new byte[] { 0, 0 }).ToArray();
        Assert.Equal(expected, raw.ToArray());
        Assert.Equal("multipart/mixed; boundary=\"aAbBcCdDv1234567890VxXyYzZ\"", CcmMessageWriter.GetContentType());
    }

    [Fact]
    public void Header_xml_has_the_tool_shape()
    {
        var message = CcmMessage.Create(SampleHeader(), Body);

        var msg = System.Xml.Linq.XElement.Parse(message.Header);

        Assert.Equal("zlib", (string?)msg.Attribute("ReplyCompression"));
        Assert.Equal("1.1", (string?)msg.Attribute("SchemaVersion"));
        Assert.Equal("ByteRange", (string?)msg.Element("Body")!.Attribute("Type"));
        Assert.Equal("zlib-compress", (string?)msg.Element("Hooks")!.Element("Hook3")!.Attribute("Name"));
        Assert.Equal("2024-01-02T03:04:05Z", msg.Element("SentTime")!.Value);
    }

    [Fact]
    public void Reply_compression_none_is_parsed()
    {
        var header = MsgHeader.Parse("<Msg ReplyCompression=\"none\" SchemaVersion=\"1.1\"><ID/></Msg>");

        Assert.Equal(CcmCompression.None, header.EffectiveReplyCompression);
        Assert.Equal(CcmCompression.Zlib, MsgHeader.Parse("<Msg/>").EffectiveReplyCompression);
    }
}
