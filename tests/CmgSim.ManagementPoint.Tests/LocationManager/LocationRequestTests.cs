using System.Xml.Linq;

namespace CmgSim.ManagementPoint.Tests.LocationManager;

public sealed class LocationRequestTests(FullSiteHost host) : IClassFixture<FullSiteHost>
{
    private const string CmgSupUrl = "https://GRAPHICSCMG.CLOUDAPP.NET/CCM_Proxy_MutualAuth/72057594037927941";

    private static string WsusRequest(string siteCode = "PS1", string onInternet = "0") =>
        $"<WSUSLocationRequest SchemaVersion=\"1.00\"><Content ID=\"{{4E3A2C8B-0000-4000-8000-000000000001}}\" Version=\"38\"/>"
        + $"<AssignedSite SiteCode=\"{siteCode}\"/><ClientLocationInfo OnInternet=\"{onInternet}\"><ADSite Name=\"Default-First-Site-Name\"/>"
        + "<IPAddresses><IPAddress SubnetAddress=\"10.10.25.128\" Address=\"10.10.25.130\"/></IPAddresses></ClientLocationInfo></WSUSLocationRequest>";

    private static string ContentRequest(string packageId = "UID:Content_63fbf078-1815-4e37-9614-b60ce7947805", string siteCode = "PS1", string useAzure = "0", string useInternetDp = "0") =>
        $"<ContentLocationRequest SchemaVersion=\"1.00\" ExcludeFileList=\"\"><Package ID=\"{packageId}\" Version=\"1\"/><AssignedSite SiteCode=\"{siteCode}\"/>"
        + $"<ClientLocationInfo LocationType=\"SMSUpdate\" DistributeOnDemand=\"0\" UseAzure=\"{useAzure}\" AllowWUMU=\"0\" UseProtected=\"0\" AllowCaching=\"0\" BranchDPFlags=\"0\" UseInternetDP=\"{useInternetDp}\" AllowHTTP=\"1\" AllowSMB=\"0\" AllowMulticast=\"0\">"
        + "<ADSite Name=\"Default-First-Site-Name\"/><Forest Name=\"contoso.com\"/><Domain Name=\"contoso.com\"/><IPAddresses><IPAddress SubnetAddress=\"10.10.25.128\" Address=\"10.10.25.130\"/></IPAddresses></ClientLocationInfo></ContentLocationRequest>";

    private static XElement SingleRecord(XElement reply)
    {
        var site = Assert.Single(reply.Element("Sites")!.Elements("Site"));
        var mpSite = site.Element("MPSite")!;
        Assert.Equal("PS1", (string?)mpSite.Attribute("SiteCode"));
        return Assert.Single(site.Element("LocationRecords")!.Elements("LocationRecord"));
    }

    [Fact]
    public async Task Intranet_WSUSLocationRequest_gets_the_sup_url()
    {
        var reply = await host.LocateAsync(WsusRequest());

        Assert.Equal("WSUSLocationReply", reply!.Name.LocalName);
        Assert.Equal("1.00", (string?)reply.Attribute("SchemaVersion"));
        var record = SingleRecord(reply);
        Assert.Equal("https://sup01.contoso.com:8531", (string?)record.Attribute("WSUSURL"));
        Assert.Equal("sup01.contoso.com", (string?)record.Attribute("ServerName"));
        Assert.Equal("38", (string?)record.Attribute("Version"));
    }

    [Fact]
    public async Task Internet_client_gets_the_cmg_based_sup_url()
    {
        var reply = await host.LocateAsync(WsusRequest(onInternet: "1"));

        var record = SingleRecord(reply!);
        Assert.Equal(CmgSupUrl, (string?)record.Attribute("WSUSURL"));
        Assert.Equal("GRAPHICSCMG.CLOUDAPP.NET", (string?)record.Attribute("ServerName"));
    }

    [Theory]
    [InlineData("/CCM_Proxy_MutualAuth/72057594037927939")]
    [InlineData("/ccm_proxy_serverauth/72057594037927939")]
    public async Task A_request_forwarded_by_the_connection_point_gets_the_cmg_based_sup_url(string prefix)
    {
        var reply = await host.LocateAsync(WsusRequest(onInternet: "0"), forwardedPrefix: prefix);

        Assert.Equal(CmgSupUrl, (string?)SingleRecord(reply!).Attribute("WSUSURL"));
    }

    [Fact]
    public async Task An_unrelated_forwarded_prefix_stays_intranet()
    {
        var reply = await host.LocateAsync(WsusRequest(), forwardedPrefix: "/some/app");

        Assert.Equal("https://sup01.contoso.com:8531", (string?)SingleRecord(reply!).Attribute("WSUSURL"));
    }

    [Fact]
    public async Task WSUSLocationRequest_for_an_unknown_site_gets_an_empty_reply()
    {
        var reply = await host.LocateAsync(WsusRequest(siteCode: "XYZ"));

        Assert.Equal("WSUSLocationReply", reply!.Name.LocalName);
        Assert.Empty(reply.Element("Sites")!.Elements());
    }

    [Fact]
    public async Task Intranet_ContentLocationRequest_gets_the_dp_with_the_captured_record_shape()
    {
        var reply = await host.LocateAsync(ContentRequest());

        Assert.Equal("ContentLocationReply", reply!.Name.LocalName);
        Assert.NotNull(reply.Element("ContentInfo")!.Element("ContentHashValues"));
        Assert.NotNull(reply.Element("RelatedContentIDs"));
        var mpSite = reply.Element("Sites")!.Element("Site")!.Element("MPSite")!;
        Assert.Equal(["SiteCode", "MasterSiteCode", "SiteLocality", "IISPreferedPort", "IISSSLPreferedPort"], mpSite.Attributes().Select(a => a.Name.LocalName));
        var record = SingleRecord(reply);
        var url = record.Element("URL")!;
        Assert.Equal("http://DP01.contoso.com/SMS_DP_SMSPKG$/Content_63fbf078-1815-4e37-9614-b60ce7947805.1", (string?)url.Attribute("Name"));
        Assert.Equal("http://DP01.contoso.com/SMS_DP_SMSSIG$/Content_63fbf078-1815-4e37-9614-b60ce7947805.1.tar", (string?)url.Attribute("Signature"));
        Assert.Equal(
            ["URL", "ADSite", "IPSubnets", "Metric", "Version", "Capabilities", "ServerRemoteName", "DPType", "Windows", "Locality"],
            record.Elements().Select(e => e.Name.LocalName));
        Assert.Equal("DP01.contoso.com", record.Element("ServerRemoteName")!.Value);
        Assert.Equal("SERVER", record.Element("DPType")!.Value);
        Assert.Equal("LOCAL", record.Element("Locality")!.Value);
    }

    [Fact]
    public async Task Intranet_client_allowing_cloud_sources_gets_the_cmg_last()
    {
        var reply = await host.LocateAsync(ContentRequest(packageId: "PS100012", useAzure: "1"));

        var records = reply!.Element("Sites")!.Element("Site")!.Element("LocationRecords")!.Elements("LocationRecord").ToList();
        Assert.Equal(["SERVER", "CLOUD"], records.Select(r => r.Element("DPType")!.Value));
        Assert.Equal("http://DP01.contoso.com/SMS_DP_SMSPKG$/PS100012", (string?)records[0].Element("URL")!.Attribute("Name"));
        Assert.Equal("FALLBACK", records[1].Element("Locality")!.Value);
    }

    [Fact]
    public async Task Internet_client_gets_only_the_content_enabled_cmg()
    {
        var reply = await host.LocateAsync(ContentRequest(packageId: "PS100012", useAzure: "1", useInternetDp: "1"));

        var record = SingleRecord(reply!);
        Assert.Equal("https://GRAPHICSCMG.CLOUDAPP.NET/downloadrestservice.svc/getcontentxmlsecure?pid=PS100012&cid=PS100012", (string?)record.Element("URL")!.Attribute("Name"));
        Assert.Equal("GRAPHICSCMG.CLOUDAPP.NET", record.Element("ServerRemoteName")!.Value);
        Assert.Equal("CLOUD", record.Element("DPType")!.Value);
    }

    [Fact]
    public async Task Internet_client_not_allowing_cloud_sources_gets_no_locations()
    {
        var reply = await host.LocateAsync(ContentRequest(useInternetDp: "0"), forwardedPrefix: "/CCM_Proxy_MutualAuth/72057594037927939");

        Assert.Empty(reply!.Element("Sites")!.Element("Site")!.Element("LocationRecords")!.Elements());
    }

    [Fact]
    public async Task ContentLocationRequest_for_an_unknown_site_gets_an_empty_reply()
    {
        var reply = await host.LocateAsync(ContentRequest(siteCode: "XYZ"));

        Assert.Equal("ContentLocationReply", reply!.Name.LocalName);
        Assert.Empty(reply.Element("Sites")!.Elements());
    }

    [Fact]
    public async Task ContentLocationRequest_without_a_package_gets_the_empty_200()
    {
        Assert.Null(await host.LocateAsync("<ContentLocationRequest SchemaVersion=\"1.00\"><AssignedSite SiteCode=\"PS1\"/></ContentLocationRequest>"));
    }

    [Fact]
    public async Task SiteInformationRequest_still_works_next_to_the_new_requests()
    {
        var reply = await host.LocateAsync("<SiteInformationRequest SchemaVersion=\"1.00\"><SiteCode Name=\"PS1\"/></SiteInformationRequest>");

        Assert.Equal("SiteInfoReply", reply!.Name.LocalName);
    }
}
