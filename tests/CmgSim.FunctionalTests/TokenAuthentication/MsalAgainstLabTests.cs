using System.Net;
using System.Net.Http.Headers;
using System.Xml.Linq;
using CmgSim.Core.Errors;
using CmgSim.Core.Logging;
using CmgSim.Identity.Entra;
using Microsoft.Identity.Client;

namespace CmgSim.FunctionalTests.TokenAuthentication;

/// <summary>
/// Unmodified MSAL.NET against the lab's Entra authority (from topology.json): the CMG server app's client
/// credentials get an app token, which is a valid Entra token of the onboarded tenant for the CMG's resource.
/// </summary>
[Collection(TokenLab.Name)]
public sealed class MsalAgainstLabTests(TokenLabFixture fixture)
{
    [Fact]
    public async Task MsalAppToken_IsAcceptedByTheCmgOnAServerAuthPath()
    {
        var token = await AcquireAppTokenAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, fixture.ServerAuthMpPath("/SMS_MP/.sms_aut?MPLIST"));
        request.Headers.Authorization = new AuthenticationHeaderValue(token.TokenType, token.AccessToken);

        using var response = await fixture.Cmg.SendAsync(request);

        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} {response.ReasonPhrase}: {await response.Content.ReadAsStringAsync()}");
        Assert.False(response.Headers.Contains(CmgErrorInfo.ErrorCodeHeader));
        var mpList = XElement.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("MPList", mpList.Name.LocalName);
    }

    [Fact]
    public async Task MsalAppToken_PassesTheCmgButCcmStsIssuesNoCcmTokenForAnApp()
    {
        var token = await AcquireAppTokenAsync();
        var since = fixture.Logs.Records.Count;
        using var request = new HttpRequestMessage(HttpMethod.Post, fixture.ServerAuthMpPath("/CCM_STS")) { Content = new ByteArrayContent([]) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token.AccessToken);

        using var response = await fixture.Cmg.SendAsync(request);

        // The MP refuses (an app is neither a device nor a user); the CMG let it through.
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal([CmgErrorInfo.InvalidTokenCode], response.Headers.GetValues(CmgErrorInfo.ErrorCodeHeader));
        await fixture.Logs.WaitForAsync(
            static r => r.Category == CmTraceDefaults.StsCategory && r.Message.Contains("EntraApplication", StringComparison.Ordinal),
            TimeSpan.FromSeconds(5),
            "from CCM_STS refusing the app token",
            since);
        Assert.DoesNotContain(
            fixture.Logs.Records.Skip(since),
            static r => r.Category.StartsWith(CmTraceDefaults.CloudServiceCategory, StringComparison.Ordinal) && r.Message.Contains("rejected", StringComparison.Ordinal));
    }

    private async Task<AuthenticationResult> AcquireAppTokenAsync()
    {
        var entra = fixture.Lab.Document.Entra!;
        var app = ConfidentialClientApplicationBuilder.Create(EntraLabDefaults.ContosoServerAppId.ToString())
            .WithClientSecret(EntraLabDefaults.ServerAppSecret)
            .WithAuthority(entra.Authority)
            .WithInstanceDiscovery(false)
            .WithHttpClientFactory(new LabHttpClientFactory(fixture.Entra))
            .Build();
        var result = await app.AcquireTokenForClient([entra.AppIdUri + "/.default"]).ExecuteAsync();
        Assert.Equal("Bearer", result.TokenType);
        return result;
    }

    /// <summary>MSAL's only hook needed: an HTTP client that trusts the lab root.</summary>
    private sealed class LabHttpClientFactory(HttpClient client) : IMsalHttpClientFactory
    {
        public HttpClient GetHttpClient() => client;
    }
}
