using System.IO.Compression;
using System.Text;

namespace CmgSim.Messaging.Tests;

public sealed class CcmMessageReaderTests
{
    private const string Header = "<Msg SchemaVersion=\"1.1\"><ID>{00000000-0000-0000-0000-000000000001}</ID><TargetEndpoint>MP_ClientIDManager</TargetEndpoint><ReplyMode>Sync</ReplyMode></Msg>";
    private const string Body = "<ClientIDRequest SchemaVersion=\"1.00\" RequestType=\"GetID\"><Identification><Machine><ClientID>GUID:1</ClientID></Machine></Identification></ClientIDRequest>";

    private static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);

    private static byte[] Utf16(string text) => Encoding.Unicode.GetBytes(text);

    private static byte[] Zlib(byte[] data)
    {
        using var output = new MemoryStream();
        using (var zlib = new ZLibStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            zlib.Write(data);
        }

        return output.ToArray();
    }

    private static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

    [Fact]
    public void Reads_the_form_data_dialect_with_raw_utf16_body_and_three_nuls()
    {
        const string boundary = "----------8d9e5d1f2a3b4c5";
        var body = Concat(
            Ascii($"--{boundary}\r\nContent-Disposition: form-data; name=\"Msg\"\r\nContent-Type: text/plain; charset=UTF-16\r\n\r\n"),
            [0xFF, 0xFE],
            Utf16(Header),
            Ascii($"\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"RequestAssignments\"\r\n\r\n"),
            Utf16(Body),
            [0, 0, 0],
            Ascii($"\r\n--{boundary}--\r\n"));

        var envelope = CcmMessageReader.Read(body, $"multipart/mixed; boundary={boundary}");

        Assert.Equal(Header, envelope.Message.Header);
        Assert.Equal(Body, envelope.Message.Body);
        Assert.Equal(CcmCompression.None, envelope.Message.Compression);
        Assert.Equal("MP_ClientIDManager", envelope.Header.TargetEndpoint);
    }

    [Fact]
    public void Reads_a_header_without_bom_and_a_zlib_body_with_nul_and_crlf_inside()
    {
        var body = Concat(
            Ascii("--aAbBcCdDv1234567890VxXyYzZ\r\ncontent-type: text/plain; charset=UTF-16\r\n\r\n"),
            Utf16(Header),
            Ascii("\r\n--aAbBcCdDv1234567890VxXyYzZ\r\ncontent-type: application/octet-stream\r\n\r\n"),
            Zlib(Concat(Utf16(Body), [0, 0], Ascii("\r\n"))),
            Ascii("\r\n--aAbBcCdDv1234567890VxXyYzZ--\r\n\r\n"));

        var envelope = CcmMessageReader.Read(body, "multipart/mixed; boundary=\"aAbBcCdDv1234567890VxXyYzZ\"");

        Assert.Equal(Header, envelope.Message.Header);
        Assert.Equal(Body, envelope.Message.Body);
        Assert.Equal(CcmCompression.Zlib, envelope.Message.Compression);
    }

    [Fact]
    public void Uses_the_body_byte_range_when_it_fits()
    {
        var header = "<Msg><Body Type=\"ByteRange\" Offset=\"0\" Length=\"" + (Utf16(Body).Length + 2) + "\"/></Msg>";
        var trailing = Utf16("<Attachment/>");
        var body = Concat(
            Ascii("--b\r\ncontent-type: text/plain; charset=UTF-16\r\n\r\n"),
            [0xFF, 0xFE],
            Utf16(header),
            Ascii("\r\n--b\r\ncontent-type: application/octet-stream\r\n\r\n"),
            Zlib(Concat(Utf16(Body), [0, 0], trailing)),
            Ascii("\r\n--b--"));

        var envelope = CcmMessageReader.Read(body, "multipart/mixed; boundary=b");

        Assert.Equal(Body, envelope.Message.Body);
    }

    [Fact]
    public void Accepts_an_odd_boundary_and_takes_it_from_the_content_type()
    {
        const string boundary = "odd'boundary_(with)+chars.=:?";
        var message = CcmMessage.Create(new MsgHeader { TargetEndpoint = "MP_LocationManager" }, Body);
        var bytes = CcmMessageWriter.Write(message, boundary);

        var envelope = CcmMessageReader.Read(bytes, $"multipart/mixed; boundary=\"{boundary}\"");

        Assert.Equal(Body, envelope.Message.Body);
        Assert.Equal("MP_LocationManager", envelope.Header.TargetEndpoint);
    }

    [Fact]
    public void Takes_the_boundary_from_the_first_line_when_the_content_type_has_none()
    {
        var bytes = CcmMessageWriter.Write(CcmMessage.Create(new MsgHeader(), Body), "xyz123");

        var envelope = CcmMessageReader.Read(bytes, "multipart/mixed");

        Assert.Equal(Body, envelope.Message.Body);
    }

    [Fact]
    public void Keeps_the_payload_part_bytes_as_sent()
    {
        var message = CcmMessage.Create(new MsgHeader(), Body);
        var payloadPart = CcmPayload.Encode(Body, CcmCompression.Zlib);
        var bytes = CcmMessageWriter.WriteEncoded(message.Header, payloadPart);

        var envelope = CcmMessageReader.Read(bytes, CcmMessageWriter.GetContentType());

        Assert.Equal(payloadPart, envelope.PayloadPart);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not multipart at all")]
    [InlineData("--aAbBcCdDv1234567890VxXyYzZ\r\ncontent-type: text/plain\r\n\r\n<Msg/>\r\n--aAbBcCdDv1234567890VxXyYzZ--")]
    [InlineData("--aAbBcCdDv1234567890VxXyYzZ\r\ncontent-type: text/plain\r\n\r\n<NotMsg/>\r\n--aAbBcCdDv1234567890VxXyYzZ\r\n\r\nx\r\n--aAbBcCdDv1234567890VxXyYzZ--")]
    [InlineData("--aAbBcCdDv1234567890VxXyYzZ\r\ncontent-type: text/plain\r\n\r\n<Msg\r\n--aAbBcCdDv1234567890VxXyYzZ\r\n\r\nx\r\n--aAbBcCdDv1234567890VxXyYzZ--")]
    public void Malformed_bodies_are_reported_not_thrown_by_TryRead(string text)
    {
        var ok = CcmMessageReader.TryRead(Encoding.ASCII.GetBytes(text), "multipart/mixed; boundary=\"aAbBcCdDv1234567890VxXyYzZ\"", out var envelope, out var error);

        Assert.False(ok);
        Assert.Null(envelope);
        Assert.False(string.IsNullOrWhiteSpace(error));
    }

    [Fact]
    public void A_corrupt_zlib_stream_is_a_format_error()
    {
        var body = Concat(
            Ascii("--b\r\ncontent-type: text/plain; charset=UTF-16\r\n\r\n"),
            Utf16("<Msg/>"),
            Ascii("\r\n--b\r\ncontent-type: application/octet-stream\r\n\r\n"),
            [0x78, 0x9C, 0xFF, 0xFF, 0xFF, 0x00, 0x12],
            Ascii("\r\n--b--"));

        Assert.Throws<CcmMessageFormatException>(() => CcmMessageReader.Read(body, "multipart/mixed; boundary=b"));
    }
}
