using System.Net;
using System.Text;
using System.Xml.Linq;
using CmgSim.Client;
using CmgSim.Core.Errors;
using CmgSim.Topology;

namespace CmgSim.FunctionalTests;

[Collection(SharedLab.Name)]
public sealed class TrafficPathTests(SharedLabFixture fixture)
{
    private readonly LabTopology _lab = fixture.Running.Lab;
    private readonly InMemoryLoggerProvider _logs = fixture.Running.Logs;

    [Fact]
    public async Task PkiClient_ThroughCmg_GetsMpListAndCompletesEveryStep()
    {
        using var session = TopologyClientFactory.Create(_lab.Document, 0, TimeProvider.System);

        var steps = await session.RunAsync(CancellationToken.None);

        Assert.All(steps, step => Assert.True(step.Succeeded, $"{step.Step}: {step.Status} {step.Detail}"));
        Assert.Equal(["MPLIST", "SITESIGNCERT", "CCM_POST", "GetConfig"], steps.Select(s => s.Step));
    }

    [Fact]
    public async Task MpList_ThroughCmg_ParsesAndNamesTheManagementPoint()
    {
        using var client = TestLab.CreateClient(_lab, _lab.Pki.Clients[0].Certificate);

        using var response = await client.GetAsync(TestLab.MpPath(_lab, "/SMS_MP/.sms_aut?MPLIST"));
        var body = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        // The MP's own response headers come back through both hops.
        Assert.Equal("text/xml", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(body.Length, response.Content.Headers.ContentLength);
        var root = XElement.Parse(Encoding.UTF8.GetString(body));
        Assert.Equal("MPList", root.Name.LocalName);
        var mp = Assert.Single(root.Elements("MP"));
        Assert.Equal("mp01.contoso.com", (string?)mp.Attribute("FQDN"));
        Assert.Equal("MP01.CONTOSO.COM", (string?)mp.Attribute("Name"));
    }

    [Fact]
    public async Task UnknownEndpointId_Gets404WithReasonAndLogLine()
    {
        using var client = TestLab.CreateClient(_lab, _lab.Pki.Clients[0].Certificate);
        const long unknownId = 72057594037999999;

        using var response = await client.GetAsync($"/CCM_Proxy_MutualAuth/{unknownId}/SMS_MP/.sms_aut?MPLIST");
        var body = await response.Content.ReadAsStringAsync();

        TestLab.AssertCmgError(response, HttpStatusCode.NotFound, CmgErrorInfo.NotFoundCode);
        Assert.Contains($"endpoint id {unknownId} is not in the published URL list", body, StringComparison.Ordinal);
        await _logs.WaitForAsync(
            r => r.Category.EndsWith("CmgForwardingHandler", StringComparison.Ordinal) && r.Message.Contains($"endpoint id {unknownId}", StringComparison.Ordinal) && r.Message.Contains("404", StringComparison.Ordinal),
            TimeSpan.FromSeconds(5),
            "from the cloud service about the unknown endpoint id");
    }

    [Fact]
    public async Task PublishedEndpoint_UnpublishedPath_Gets404()
    {
        using var client = TestLab.CreateClient(_lab, _lab.Pki.Clients[0].Certificate);

        using var response = await client.GetAsync(TestLab.MpPath(_lab, "/Foo"));
        var body = await response.Content.ReadAsStringAsync();

        TestLab.AssertCmgError(response, HttpStatusCode.NotFound, CmgErrorInfo.NotFoundCode);
        Assert.Contains("path '/Foo' is not published", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServiceMetadata_ServerAuthWithoutCertificate_Answers200()
    {
        using var client = TestLab.CreateClient(_lab, null);

        using var response = await client.GetAsync("/CCM_Proxy_ServerAuth/ServiceMetadata");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var root = XElement.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("ServiceMetadata", root.Name.LocalName);
        Assert.Equal(_lab.Document.ServiceName, root.Element("ServiceName")?.Value);
        Assert.Equal("CCM_Proxy_ServerAuth", root.Element("AuthenticationPrefix")?.Value);
    }

    [Fact]
    public async Task ServiceMetadata_MutualAuth_NeedsAValidCertificate()
    {
        using var anonymous = TestLab.CreateClient(_lab, null);
        using var pki = TestLab.CreateClient(_lab, _lab.Pki.Clients[0].Certificate);

        using var refused = await anonymous.GetAsync("/CCM_Proxy_MutualAuth/ServiceMetadata");
        using var accepted = await pki.GetAsync("/CCM_Proxy_MutualAuth/ServiceMetadata");

        TestLab.AssertCmgError(refused, HttpStatusCode.Forbidden, CmgErrorInfo.ClientCertificateRequiredCode);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        var root = XElement.Parse(await accepted.Content.ReadAsStringAsync());
        Assert.Equal(_lab.Pki.Clients[0].Certificate.Thumbprint, (string?)root.Element("ClientCertificate")?.Attribute("Thumbprint"));
    }

    [Fact]
    public async Task TwoHundredConcurrentRequests_OverOneChannel_AllSucceedWithTheirOwnBodies()
    {
        var instance = Assert.Single(_lab.Instances);
        var channels = Assert.Single(instance.Channels.ConnectionPoints);
        Assert.Equal(1, channels.OpenChannels);
        using var client = TestLab.CreateClient(_lab, _lab.Pki.Clients[1].Certificate, http11: false);

        // Three different replies interleaved, so a response delivered to the wrong stream shows up.
        var requests = Enumerable.Range(0, 200).Select(async i =>
        {
            var (path, expectedRoot) = (i % 3) switch
            {
                0 => (TestLab.MpPath(_lab, "/SMS_MP/.sms_aut?MPLIST"), "MPList"),
                1 => (TestLab.MpPath(_lab, "/SMS_MP/.sms_aut?SITESIGNCERT"), "X509Data"),
                _ => (TestLab.MpPath(_lab, "/SMS_MP/.sms_aut?MPKEYINFORMATION"), "MPKEYINFORMATION"),
            };
            using var response = await client.GetAsync(path);
            var body = await response.Content.ReadAsStringAsync();
            return (Status: response.StatusCode, Version: response.Version, Expected: expectedRoot, Root: response.IsSuccessStatusCode ? XElement.Parse(body).Name.LocalName : body);
        });

        var results = await Task.WhenAll(requests);

        Assert.All(results, r =>
        {
            Assert.Equal(HttpStatusCode.OK, r.Status);
            Assert.Equal(HttpVersion.Version20, r.Version);
            Assert.Equal(r.Expected, r.Root);
        });

        // Still the one channel: nothing was served by a replacement.
        Assert.Equal(1, channels.OpenChannels);
    }
}
