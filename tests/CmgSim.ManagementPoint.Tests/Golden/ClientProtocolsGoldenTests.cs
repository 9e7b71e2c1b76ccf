using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Xml.Linq;
using CmgSim.Messaging;
using CmgSim.Messaging.Registration;
using CmgSim.Messaging.Signing;

namespace CmgSim.ManagementPoint.Tests.Golden;

/// <summary>
/// Golden shapes: the sample fragments quoted in client-protocols.md, compared by structure (element
/// names, attribute names, child order) with what the simulator writes. Values are dynamic and ignored.
/// </summary>
public sealed class ClientProtocolsGoldenTests(ManagementPointHost host) : IClassFixture<ManagementPointHost>
{
    private const string Boundary = "aAbBcCdDv1234567890VxXyYzZ";

    // §1, CMBP capture.
    private const string MpListSample =
        "<MPList><MP Name=\"MP01.CONTOSO.COM\" FQDN=\"mp01.contoso.com\"><Version>9106</Version>" +
        "<Capabilities SchemaVersion=\"1.0\"><Property Name=\"SSLState\" Value=\"0\"/></Capabilities></MP></MPList>";

    // §1, MPLIST1&<SiteCode>: same shape, <MP> also carries SiteCode.
    private const string MpList1Sample =
        "<MPList><MP Name=\"MP01.CONTOSO.COM\" FQDN=\"mp01.contoso.com\" SiteCode=\"PS1\"><Version>9106</Version>" +
        "<Capabilities SchemaVersion=\"1.0\"><Property Name=\"SSLState\" Value=\"0\"/></Capabilities></MP></MPList>";

    // §1, SITESIGNCERT.
    private const string SiteSignCertSample =
        "<X509Data><X509Certificate EncodingType=\"hexBinary\" Signature=\"00\">3082</X509Certificate></X509Data>";

    // §1, SMSTRC.
    private const string SmsTrcSample =
        "<SMSIssuingCerts version=\"1.0\"><Signature><SignatureAlgorithm AlgID=\"32780\">1.2.840.113549.1.1.11</SignatureAlgorithm>" +
        "<SignatureValue>00</SignatureValue></Signature><Certs><Cert>3082</Cert></Certs></SMSIssuingCerts>";

    /// <summary>Element name, sorted attribute names, then the children's shapes in order; text is ignored.</summary>
    private static string Shape(XElement element)
    {
        var attributes = element.Attributes().Where(a => !a.IsNamespaceDeclaration).Select(a => a.Name.LocalName).Order(StringComparer.Ordinal);
        var children = element.Elements().Select(Shape);
        return $"{element.Name.LocalName}[{string.Join(",", attributes)}]({string.Join(";", children)})";
    }

    private async Task<XElement> GetSmsAutAsync(string query)
    {
        using var response = await host.Client.GetAsync("/SMS_MP/.sms_aut?" + query);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return XElement.Parse(await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("MPLIST", MpListSample)]
    [InlineData("MPLIST1&PS1", MpList1Sample)]
    [InlineData("SITESIGNCERT", SiteSignCertSample)]
    [InlineData("SMSTRC", SmsTrcSample)]
    public async Task Sms_aut_reply_has_the_captured_shape(string query, string sample)
    {
        var reply = await GetSmsAutAsync(query);

        Assert.Equal(Shape(XElement.Parse(sample)), Shape(reply));
    }

    [Fact]
    public async Task MPKEYINFORMATION_starts_with_the_captured_parts()
    {
        var reply = await GetSmsAutAsync("MPKEYINFORMATION");

        Assert.Equal("MPKEYINFORMATION", reply.Name.LocalName);
        var trustedRoot = reply.Elements().First();
        Assert.Equal("TRUSTEDROOTKEY", trustedRoot.Name.LocalName);
        Assert.NotNull(trustedRoot.Attribute("Signature"));
        Assert.StartsWith("0602000000A4000052534131", trustedRoot.Value, StringComparison.Ordinal);
        Assert.NotNull(reply.Element("FQDN"));
        Assert.NotNull(reply.Element("SITECODE"));
    }

    [Fact]
    public async Task MPKEYINFORMATIONMEDIA_carries_the_unknown_machine_attributes()
    {
        var reply = await GetSmsAutAsync("MPKEYINFORMATIONMEDIA");

        var unknown = reply.Element("UnknownMachines");
        Assert.NotNull(unknown);
        Assert.Equal("UnknownMachines[x64UnknownMachineGUID,x86UnknownMachineGUID]()", Shape(unknown));
        Assert.NotNull(reply.Element("SITECODE"));
    }

    [Fact]
    public void Body_layout_matches_section_2_2_byte_for_byte()
    {
        var header = new MsgHeader { Id = "{00000000-0000-0000-0000-000000000001}", TargetEndpoint = "MP_LocationManager", BodyOffset = 0, BodyLength = CcmPayload.GetBodyLength("<a/>"), ZlibCompressHook = true }.ToXml();
        var bytes = CcmMessageWriter.Write(new CcmMessage(header, "<a/>", CcmCompression.Zlib));

        var headerPrefix = Encoding.ASCII.GetBytes($"--{Boundary}\r\ncontent-type: text/plain; charset=UTF-16\r\n\r\n");
        Assert.Equal(headerPrefix, bytes[..headerPrefix.Length]);
        Assert.Equal(new byte[] { 0xFF, 0xFE }, bytes[headerPrefix.Length..(headerPrefix.Length + 2)]);
        var headerBytes = Encoding.Unicode.GetBytes(header);
        var afterBom = headerPrefix.Length + 2;
        Assert.Equal(headerBytes, bytes[afterBom..(afterBom + headerBytes.Length)]);

        var separator = Encoding.ASCII.GetBytes($"\r\n--{Boundary}\r\ncontent-type: application/octet-stream\r\n\r\n");
        var payloadStart = afterBom + headerBytes.Length + separator.Length;
        Assert.Equal(separator, bytes[(afterBom + headerBytes.Length)..payloadStart]);

        var trailer = Encoding.ASCII.GetBytes($"\r\n--{Boundary}--");
        Assert.Equal(trailer, bytes[^trailer.Length..]);

        // zlib (RFC 1950) of UTF-16LE body + 00 00.
        var payload = bytes[payloadStart..^trailer.Length];
        Assert.Equal(0x78, payload[0]);
        var (decoded, compression) = CcmPayload.Decode(payload);
        Assert.Equal(CcmCompression.Zlib, compression);
        Assert.Equal([.. Encoding.Unicode.GetBytes("<a/>"), 0, 0], decoded);
        Assert.Equal("multipart/mixed; boundary=\"" + Boundary + "\"", CcmMessageWriter.GetContentType());
    }

    [Fact]
    public void Clientauth_hook_has_the_property_names_of_section_2_3()
    {
        using var key = RSA.Create(2048);
        var hook = ClientAuthHook.Create(key, "CLIENT01", "GUID:11111111-2222-3333-4444-555555555555", [1, 2, 3]).ToXElement();

        Assert.Equal("Hook2", hook.Name.LocalName);
        Assert.Equal("clientauth", (string?)hook.Attribute("Name"));
        Assert.Equal(
            ["AuthSenderMachine", "PublicKey", "ClientIDSignature", "PayloadSignature", "ClientCapabilities", "HashAlgorithm"],
            hook.Elements("Property").Select(p => (string)p.Attribute("Name")!));
        var properties = hook.Elements("Property").ToDictionary(p => (string)p.Attribute("Name")!, p => p.Value);
        Assert.StartsWith("0602000000A40000525341310008000001000100", properties["PublicKey"], StringComparison.Ordinal);
        Assert.Equal("NonSSL", properties["ClientCapabilities"]);
        Assert.Equal("1.2.840.113549.1.1.11", properties["HashAlgorithm"]);
        Assert.Matches("^[0-9A-F]{512}$", properties["PayloadSignature"]);
    }

    [Fact]
    public void Msg_header_uses_the_element_names_of_section_2_3()
    {
        var xml = new MsgHeader
        {
            Id = "{1}",
            CorrelationId = "{00000000-0000-0000-0000-000000000000}",
            SourceId = "GUID:1",
            SourceHost = "CLIENT01",
            TargetAddress = "mp:[http]MP_PolicyManager",
            ReplyTo = "direct:CLIENT01:PolicyAgent_ReplyAssignments",
            Priority = 3,
            Timeout = 60000,
            TargetHost = "MP01",
            TargetEndpoint = "MP_PolicyManager",
            ReplyMode = "Sync",
            Protocol = "http",
            SentTime = DateTimeOffset.UnixEpoch,
            BodyOffset = 0,
            BodyLength = 2,
            ZlibCompressHook = true,
            ReplyCompression = CcmCompression.Zlib,
        }.ToXml();
        var msg = XElement.Parse(xml);

        Assert.Equal("Msg", msg.Name.LocalName);
        Assert.Equal("zlib", (string?)msg.Attribute("ReplyCompression"));
        Assert.Equal("1.1", (string?)msg.Attribute("SchemaVersion"));
        foreach (var name in new[] { "ID", "CorrelationID", "SourceID", "SourceHost", "TargetAddress", "ReplyTo", "Priority", "Timeout", "TargetHost", "TargetEndpoint", "ReplyMode", "Protocol", "SentTime" })
        {
            Assert.NotNull(msg.Element(name));
        }

        Assert.Equal("Body[Length,Offset,Type]()", Shape(msg.Element("Body")!));
        Assert.Equal("ByteRange", (string?)msg.Element("Body")!.Attribute("Type"));
        Assert.Equal("Hook3[Name]()", Shape(msg.Element("Hooks")!.Elements().Single()));
        Assert.Equal("zlib-compress", (string?)msg.Element("Hooks")!.Element("Hook3")!.Attribute("Name"));
        Assert.Equal("inline", (string?)msg.Element("Payload")!.Attribute("Type"));
    }

    // §3.1, the registration request body.
    private const string RegistrationSample =
        "<ClientRegistrationRequest><Data HashAlgorithm=\"1.2.840.113549.1.1.11\" SMSID=\"\" RequestType=\"Registration\" TimeStamp=\"2024-01-01T00:00:00Z\">" +
        "<AgentInformation AgentIdentity=\"CCMSetup.exe\" AgentVersion=\"5.00.8325.0000\" AgentType=\"0\"/>" +
        "<Certificates><Encryption Encoding=\"HexBinary\" KeyType=\"1\">00</Encryption><Signing Encoding=\"HexBinary\" KeyType=\"1\">00</Signing></Certificates>" +
        "<DiscoveryProperties><Property Name=\"Netbios Name\" Value=\"\"/><Property Name=\"FQ Name\" Value=\"\"/>" +
        "<Property Name=\"Locale ID\" Value=\"2057\"/><Property Name=\"InternetFlag\" Value=\"0\"/></DiscoveryProperties>" +
        "</Data><Signature><SignatureValue>00</SignatureValue></Signature></ClientRegistrationRequest>";

    [Fact]
    public void Registration_request_has_the_shape_of_section_3_1()
    {
        using var key = RSA.Create(2048);
        using var certificate = new CertificateRequest("CN=ConfigMgr Client", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            .CreateSelfSigned(DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddYears(100));

        var body = XElement.Parse(ClientRegistrationBody.Create(null, certificate, key, "CLIENT01", "client01.contoso.com", DateTimeOffset.UnixEpoch));

        Assert.Equal(Shape(XElement.Parse(RegistrationSample)), Shape(body));
        Assert.Equal(
            ["Netbios Name", "FQ Name", "Locale ID", "InternetFlag"],
            body.Element("Data")!.Element("DiscoveryProperties")!.Elements("Property").Select(p => (string)p.Attribute("Name")!));
    }
}
