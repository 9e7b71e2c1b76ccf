using System.Net;
using System.Text;
using System.Xml.Linq;
using CmgSim.Messaging;
using Microsoft.Extensions.Logging;

namespace CmgSim.ManagementPoint.Tests;

public sealed class CcmPostTests(ManagementPointHost host) : IClassFixture<ManagementPointHost>
{
    private static readonly HttpMethod CcmPost = new("CCM_POST");

    private static MsgHeader LocationHeader(CcmCompression? replyCompression, string endpoint = "MP_LocationManager") => new()
    {
        ReplyCompression = replyCompression,
        Id = "{11111111-2222-3333-4444-555555555555}",
        SourceHost = "CLIENT01",
        TargetAddress = "mp:[http]" + endpoint,
        TargetEndpoint = endpoint,
        ReplyTo = "direct:CLIENT01:LS_ReplyLocations",
        ReplyMode = "Sync",
    };

    private async Task<HttpResponseMessage> PostAsync(byte[] body, string contentType)
    {
        using var request = new HttpRequestMessage(CcmPost, "/ccm_system/request") { Content = new ByteArrayContent(body) };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        return await host.Client.SendAsync(request);
    }

    [Theory]
    [InlineData(CcmCompression.Zlib, CcmCompression.Zlib)]
    [InlineData(CcmCompression.None, CcmCompression.None)]
    [InlineData(null, CcmCompression.Zlib)]
    public async Task SiteInformationRequest_gets_a_SiteInfoReply(CcmCompression? asked, CcmCompression expected)
    {
        var message = CcmMessage.Create(LocationHeader(asked), "<SiteInformationRequest SchemaVersion=\"1.00\"><SiteCode Name=\"PS1\"/></SiteInformationRequest>");

        using var response = await PostAsync(CcmMessageWriter.Write(message), CcmMessageWriter.GetContentType());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("multipart/mixed", response.Content.Headers.ContentType!.MediaType, StringComparison.Ordinal);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.Contains("content-type: application/octet-stream\r\n", Encoding.ASCII.GetString(bytes), StringComparison.Ordinal);
        var reply = CcmMessageReader.Read(bytes, response.Content.Headers.ContentType.ToString());
        Assert.Equal(expected, reply.Message.Compression);
        Assert.Equal("{11111111-2222-3333-4444-555555555555}", reply.Header.CorrelationId);
        Assert.Equal("direct:CLIENT01:LS_ReplyLocations", reply.Header.TargetAddress);
        var body = XElement.Parse(reply.Message.Body);
        Assert.Equal("SiteInfoReply", body.Name.LocalName);
        var site = body.Element("Site")!;
        Assert.Equal("PS1", site.Element("SiteCode")!.Value);
        Assert.Equal("Primary Site", site.Element("SiteName")!.Value);
        Assert.Equal("5.00.9106.1000", site.Element("Version")!.Value);
    }

    [Theory]
    [InlineData("", "multipart/mixed; boundary=\"aAbBcCdDv1234567890VxXyYzZ\"")]
    [InlineData("garbage", "multipart/mixed; boundary=\"aAbBcCdDv1234567890VxXyYzZ\"")]
    [InlineData("--x\r\n\r\n<NotXml\r\n--x\r\n\r\nabc\r\n--x--", "multipart/mixed; boundary=x")]
    public async Task Malformed_bodies_get_an_empty_200_and_a_log_line(string body, string contentType)
    {
        using var response = await PostAsync(Encoding.ASCII.GetBytes(body), contentType);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(0, response.Content.Headers.ContentLength);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        Assert.Contains(host.Logs, l => l.Category == ManagementPointLogCategories.Messaging && l.Level == LogLevel.Warning && l.Message.StartsWith("CCM_POST rejected", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("MP_PolicyManager", "<RequestAssignments/>")] // unsigned: refused by the signature check
    [InlineData("MP_DdrEndpoint", "<Report/>")]
    [InlineData("MP_LocationManager", "<ContentLocationRequest SchemaVersion=\"1.00\"/>")]
    [InlineData("MP_LocationManager", "<SiteInformationRequest SchemaVersion=\"1.00\"><SiteCode Name=\"XYZ\"/></SiteInformationRequest>")]
    public async Task Unanswered_messages_get_an_empty_200(string endpoint, string body)
    {
        var message = CcmMessage.Create(LocationHeader(CcmCompression.Zlib, endpoint), body);

        using var response = await PostAsync(CcmMessageWriter.Write(message), CcmMessageWriter.GetContentType());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(0, response.Content.Headers.ContentLength);
        var ours = host.Logs.Where(l => l.Category.StartsWith("CmgSim.", StringComparison.Ordinal)).ToList();
        Assert.All(ours, l => Assert.StartsWith("CmgSim.ManagementPoint", l.Category, StringComparison.Ordinal));
        Assert.Contains(ours, l => l.Level == LogLevel.Warning && (l.Message.StartsWith("No reply", StringComparison.Ordinal) || l.Message.Contains("no reply", StringComparison.Ordinal)
            || l.Message.Contains("rejected with an empty 200", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Post_is_not_ccm_post()
    {
        using var response = await host.Client.PostAsync("/ccm_system/request", new ByteArrayContent([]));

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
    }
}
