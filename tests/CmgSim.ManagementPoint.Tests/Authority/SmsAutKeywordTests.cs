using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Xml.Linq;
using CmgSim.ManagementPoint.Tests.LocationManager;

namespace CmgSim.ManagementPoint.Tests.Authority;

public sealed class SmsAutKeywordTests(FullSiteHost host) : IClassFixture<FullSiteHost>
{
    private async Task<XElement> GetXmlAsync(string query)
    {
        using var response = await host.Client.GetAsync("/SMS_MP/.sms_aut?" + query);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/xml", response.Content.Headers.ContentType!.MediaType);
        return XElement.Parse(await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task MPKEYINFORMATIONMEDIA_adds_the_unknown_machine_ids_to_the_key_information()
    {
        var info = await GetXmlAsync("MPKEYINFORMATIONMEDIA");

        // What PXEThief and pxetrace read: root.find("UnknownMachines") and root.find("SITECODE").
        var unknown = Assert.Single(info.Elements("UnknownMachines"));
        var x86 = Guid.Parse((string)unknown.Attribute("x86UnknownMachineGUID")!);
        var x64 = Guid.Parse((string)unknown.Attribute("x64UnknownMachineGUID")!);
        Assert.NotEqual(x86, x64);
        Assert.Equal("PS1", info.Element("SITECODE")!.Value);
        Assert.StartsWith("0602000000A40000525341310008", info.Element("TRUSTEDROOTKEY")!.Value, StringComparison.Ordinal);

        // Site-wide constants: the same on every request.
        var again = (await GetXmlAsync("MPKEYINFORMATIONMEDIA")).Element("UnknownMachines")!;
        Assert.Equal(x64.ToString(), (string?)again.Attribute("x64UnknownMachineGUID"));
    }

    [Fact]
    public async Task MPKEYINFORMATION_has_no_unknown_machines()
    {
        var info = await GetXmlAsync("MPKEYINFORMATION");

        Assert.Empty(info.Elements("UnknownMachines"));
    }

    [Fact]
    public async Task SMSTRC_returns_the_sms_issuing_root_signed_by_the_site_signing_key()
    {
        var certs = await GetXmlAsync("SMSTRC");

        Assert.Equal("SMSIssuingCerts", certs.Name.LocalName);
        Assert.Equal("1.0", (string?)certs.Attribute("version"));
        var algorithm = certs.Element("Signature")!.Element("SignatureAlgorithm")!;
        Assert.Equal("32780", (string?)algorithm.Attribute("AlgID"));
        Assert.Equal("1.2.840.113549.1.1.11", algorithm.Value);
        var der = Convert.FromHexString(Assert.Single(certs.Element("Certs")!.Elements("Cert")).Value);
        using var root = X509CertificateLoader.LoadCertificate(der);
        Assert.Equal("CN=SMS Issuing", root.Subject);
        Assert.Equal(root.Subject, root.Issuer);
        Assert.True(root.Extensions.OfType<X509BasicConstraintsExtension>().Single().CertificateAuthority);

        var siteSignCert = (await GetXmlAsync("SITESIGNCERT")).Element("X509Certificate")!.Value;
        using var siteCertificate = X509CertificateLoader.LoadCertificate(Convert.FromHexString(siteSignCert));
        using var siteKey = siteCertificate.GetRSAPublicKey()!;
        var signature = Convert.FromHexString(certs.Element("Signature")!.Element("SignatureValue")!.Value);
        Array.Reverse(signature);
        Assert.True(siteKey.VerifyData(der, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));

        // One root per MP instance, not one per request.
        var again = (await GetXmlAsync("SMSTRC")).Element("Certs")!.Element("Cert")!.Value;
        Assert.Equal(Convert.ToHexString(der), again);
    }

    [Theory]
    [InlineData(LocationHostBase.AliceDevice)]
    [InlineData("GUID:0a1b2c3d-0000-4000-8000-000000000001")]
    [InlineData("0A1B2C3D-0000-4000-8000-000000000001")]
    public async Task GETCLIENTAFFINITY_returns_the_primary_user(string smsId)
    {
        var affinity = await GetXmlAsync("GETCLIENTAFFINITY&" + Uri.EscapeDataString(smsId));

        Assert.Equal("ClientAffinity", affinity.Name.LocalName);
        Assert.Equal(smsId, (string?)affinity.Attribute("SMSID"));
        Assert.Equal(@"CONTOSO\alice", Assert.Single(affinity.Elements("User")).Value);
    }

    [Fact]
    public async Task GETCLIENTAFFINITY_for_a_device_without_affinity_has_no_user()
    {
        var affinity = await GetXmlAsync("GETCLIENTAFFINITY&GUID:FFFFFFFF-0000-4000-8000-000000000009");

        Assert.Equal("ClientAffinity", affinity.Name.LocalName);
        Assert.Empty(affinity.Elements());
    }

    [Theory]
    [InlineData("GETCLIENTAFFINITY")]
    [InlineData("GETCLIENTAFFINITY&")]
    [InlineData("MPKEYINFORMATIONEX")]
    [InlineData("SMSTRC2")]
    public async Task Malformed_or_unknown_keywords_are_404(string query)
    {
        using var response = await host.Client.GetAsync("/SMS_MP/.sms_aut?" + query);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task A_mp_that_does_not_require_certificates_serves_anonymous_requests()
    {
        using var response = await host.Client.GetAsync("/SMS_MP/.sms_aut?SMSTRC");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
