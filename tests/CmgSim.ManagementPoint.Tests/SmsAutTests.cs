using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Xml.Linq;

namespace CmgSim.ManagementPoint.Tests;

public sealed class SmsAutTests(ManagementPointHost host) : IClassFixture<ManagementPointHost>
{
    private async Task<XElement> GetXmlAsync(string query)
    {
        using var response = await host.Client.GetAsync("/SMS_MP/.sms_aut?" + query);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return XElement.Parse(await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task MPLIST_lists_the_mp_with_the_captured_shape()
    {
        var list = await GetXmlAsync("MPLIST");

        Assert.Equal("MPList", list.Name.LocalName);
        var mp = Assert.Single(list.Elements("MP"));
        Assert.Equal("MP01.CONTOSO.COM", (string?)mp.Attribute("Name"));
        Assert.Equal("mp01.contoso.com", (string?)mp.Attribute("FQDN"));
        Assert.Null(mp.Attribute("SiteCode"));
        Assert.Equal("9106", mp.Element("Version")!.Value);
        var capabilities = mp.Element("Capabilities")!;
        Assert.Equal("1.0", (string?)capabilities.Attribute("SchemaVersion"));
        var property = Assert.Single(capabilities.Elements("Property"));
        Assert.Equal("SSLState", (string?)property.Attribute("Name"));
        Assert.Equal("0", (string?)property.Attribute("Value"));
    }

    [Theory]
    [InlineData("MPLIST1&PS1")]
    [InlineData("MPLIST1&ps1")]
    [InlineData("MPLIST2&PS1")]
    public async Task MPLIST1_for_the_own_site_adds_the_site_code(string query)
    {
        var list = await GetXmlAsync(query);

        var mp = Assert.Single(list.Elements("MP"));
        Assert.Equal("PS1", (string?)mp.Attribute("SiteCode"));
        Assert.Equal("mp01.contoso.com", (string?)mp.Attribute("FQDN"));
    }

    [Theory]
    [InlineData("MPLIST1&XYZ")]
    [InlineData("MPLIST1")]
    public async Task MPLIST1_for_another_site_is_an_empty_list(string query)
    {
        var list = await GetXmlAsync(query);

        Assert.Equal("MPList", list.Name.LocalName);
        Assert.Empty(list.Elements());
    }

    [Fact]
    public async Task SITESIGNCERT_returns_a_hex_der_site_server_certificate()
    {
        var data = await GetXmlAsync("SITESIGNCERT");

        Assert.Equal("X509Data", data.Name.LocalName);
        var element = data.Element("X509Certificate")!;
        Assert.Equal("hexBinary", (string?)element.Attribute("EncodingType"));
        Assert.Matches("^[0-9A-F]+$", (string?)element.Attribute("Signature"));
        using var certificate = X509CertificateLoader.LoadCertificate(Convert.FromHexString(element.Value));
        Assert.Equal("CN=Site Server", certificate.Subject);
        using var rsa = certificate.GetRSAPublicKey()!;
        var signature = Convert.FromHexString((string)element.Attribute("Signature")!);
        Array.Reverse(signature);
        Assert.True(rsa.VerifyData(certificate.RawData, signature, System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1));
    }

    [Fact]
    public async Task MPKEYINFORMATION_returns_the_trusted_root_key_blob_fqdn_and_site()
    {
        var info = await GetXmlAsync("MPKEYINFORMATION");

        Assert.Equal("MPKEYINFORMATION", info.Name.LocalName);
        var key = info.Element("TRUSTEDROOTKEY")!;
        Assert.StartsWith("0602000000A40000525341310008000001000100", key.Value, StringComparison.Ordinal);
        Assert.Equal((20 + 256) * 2, key.Value.Length);
        Assert.Matches("^[0-9A-F]+$", (string?)key.Attribute("Signature"));
        Assert.Equal("mp01.contoso.com", info.Element("FQDN")!.Value);
        Assert.Equal("PS1", info.Element("SITECODE")!.Value);
    }

    [Theory]
    [InlineData("/SMS_MP/.sms_aut?NOSUCHKEYWORD")]
    [InlineData("/SMS_MP/.sms_aut")]
    [InlineData("/SMS_MP/.sms_aut?MPLIST=1")]
    public async Task Unknown_keywords_are_404(string url)
    {
        using var response = await host.Client.GetAsync(url);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
