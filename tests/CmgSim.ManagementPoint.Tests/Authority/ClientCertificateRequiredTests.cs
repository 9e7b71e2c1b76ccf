using System.Net;
using CmgSim.ManagementPoint.Tests.LocationManager;

namespace CmgSim.ManagementPoint.Tests.Authority;

public sealed class ClientCertificateRequiredTests(HttpsOnlyBareSiteHost host) : IClassFixture<HttpsOnlyBareSiteHost>
{
    [Theory]
    [InlineData("SMSTRC")]
    [InlineData("MPLIST")]
    [InlineData("MPKEYINFORMATIONMEDIA")]
    [InlineData("NOSUCHKEYWORD")]
    public async Task Without_a_client_certificate_an_https_only_mp_answers_403(string query)
    {
        using var response = await host.Client.GetAsync("/SMS_MP/.sms_aut?" + query);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("Client certificate required", response.ReasonPhrase);
        Assert.Contains("Client certificate required", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_a_client_certificate_the_keyword_is_served()
    {
        using var response = await host.ClientWithCertificate.GetAsync("/SMS_MP/.sms_aut?SMSTRC");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("<SMSIssuingCerts", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_a_client_certificate_unknown_keywords_are_still_404()
    {
        using var response = await host.ClientWithCertificate.GetAsync("/SMS_MP/.sms_aut?NOSUCHKEYWORD");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Location_requests_in_a_site_without_a_sup_or_dp_have_no_records()
    {
        var wsus = await host.LocateAsync("<WSUSLocationRequest SchemaVersion=\"1.00\"><Content ID=\"{4E3A2C8B-0000-4000-8000-000000000001}\" Version=\"38\"/><AssignedSite SiteCode=\"PS1\"/><ClientLocationInfo OnInternet=\"1\"/></WSUSLocationRequest>");
        var content = await host.LocateAsync("<ContentLocationRequest SchemaVersion=\"1.00\"><Package ID=\"PS100012\" Version=\"3\"/><AssignedSite SiteCode=\"PS1\"/><ClientLocationInfo UseAzure=\"1\" UseInternetDP=\"0\"/></ContentLocationRequest>");

        Assert.Empty(wsus!.Element("Sites")!.Element("Site")!.Element("LocationRecords")!.Elements());
        Assert.Empty(content!.Element("Sites")!.Element("Site")!.Element("LocationRecords")!.Elements());
    }
}
