using System.Net;
using CmgSim.Client;
using CmgSim.Core.Errors;

namespace CmgSim.FunctionalTests;

public sealed class TrafficPathTests
{
    [Fact]
    public async Task PkiClient_ThroughCmg_GetsMpListAndCompletesEveryStep()
    {
        await using var lab = await TestLab.StartAsync();
        using var session = TopologyClientFactory.Create(lab.Document, 0, TimeProvider.System);

        var steps = await session.RunAsync(CancellationToken.None);

        Assert.All(steps, step => Assert.True(step.Succeeded, $"{step.Step}: {step.Status} {step.Detail}"));
        Assert.Equal(["MPLIST", "SITESIGNCERT", "CCM_POST", "GetConfig"], steps.Select(s => s.Step));
    }

    [Fact]
    public async Task NoClientCertificate_OnMutualAuth_Gets403ClientCertificateRequired()
    {
        await using var lab = await TestLab.StartAsync();
        using var client = TestLab.CreateClient(lab, null);

        using var response = await client.GetAsync(TestLab.MpPath(lab, "/SMS_MP/.sms_aut?MPLIST"));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(CmgErrorInfo.ClientCertificateRequiredCode, response.ReasonPhrase);
    }
}
