using System.Net;
using System.Net.Http.Headers;
using System.Xml.Linq;
using CmgSim.Messaging;

namespace CmgSim.FunctionalTests;

/// <summary>The MP tells internet clients (requests that came through the CMG) the CMG-based SUP URL.</summary>
public sealed class WsusLocationTests
{
    private static readonly HttpMethod CcmPost = new("CCM_POST");

    private const string WsusLocationRequest =
        "<WSUSLocationRequest SchemaVersion=\"1.00\"><Content ID=\"{4E3A2C8B-0000-4000-8000-000000000001}\" Version=\"38\"/>"
        + "<AssignedSite SiteCode=\"PS1\"/><ClientLocationInfo OnInternet=\"0\"><ADSite Name=\"Default-First-Site-Name\"/>"
        + "<IPAddresses><IPAddress SubnetAddress=\"10.10.25.128\" Address=\"10.10.25.130\"/></IPAddresses></ClientLocationInfo></WSUSLocationRequest>";

    [Fact]
    public async Task WsusLocationRequest_ThroughCmg_GetsTheCmgSupUrl_AndDirect_GetsTheInternalOne()
    {
        await using var lab = await TestLab.StartAsync();
        using var client = TestLab.CreateClient(lab, lab.Pki.Clients[0].Certificate);
        var sup = lab.Document.Roles[1];

        var throughCmg = await LocateAsync(client, new Uri(lab.PublicUrl, lab.Document.Roles[0].MutualAuthPath + "/ccm_system/request"));
        var direct = await LocateAsync(client, new Uri(lab.ManagementPointUrl, "/ccm_system/request"));

        Assert.Equal($"https://{lab.Document.ServiceName}:{lab.PublicUrl.Port}{sup.MutualAuthPath}", WsusUrl(throughCmg));
        Assert.Equal(sup.InternalUrl, WsusUrl(direct).TrimEnd('/'));
    }

    private static string WsusUrl(XElement reply) =>
        (string)reply.Descendants("LocationRecord").Single().Attribute("WSUSURL")!;

    private static async Task<XElement> LocateAsync(HttpClient client, Uri url)
    {
        var header = new MsgHeader
        {
            Id = "{" + Guid.NewGuid().ToString().ToUpperInvariant() + "}",
            SourceHost = "CLIENT01",
            TargetAddress = "mp:[http]MP_LocationManager",
            TargetEndpoint = "MP_LocationManager",
            ReplyTo = "direct:CLIENT01:LS_ReplyLocations",
            ReplyMode = "Sync",
        };
        using var request = new HttpRequestMessage(CcmPost, url) { Content = new ByteArrayContent(CcmMessageWriter.Write(CcmMessage.Create(header, WsusLocationRequest))) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(CcmMessageWriter.GetContentType());
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.NotEmpty(bytes);
        return XElement.Parse(CcmMessageReader.Read(bytes, response.Content.Headers.ContentType!.ToString()).Message.Body);
    }
}
