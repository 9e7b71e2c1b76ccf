using System.Net;
using System.Text.Json;
using CmgSim.Core;
using CmgSim.Core.Errors;
using CmgSim.Identity.Entra;

namespace CmgSim.FunctionalTests.TokenAuthentication;

/// <summary>
/// <c>GET /CCM_Proxy_ServerAuth/AADAuthInfo?TenantID=</c>, which ccmsetup asks when it has no AAD properties: the
/// onboarded tenant's client app and resource, nothing for any other tenant. It needs no token.
/// </summary>
[Collection(TokenLab.Name)]
public sealed class AadAuthInfoTests(TokenLabFixture fixture)
{
    private const string AadAuthInfoPath = CmgPaths.ServerAuthPrefix + "/AADAuthInfo";

    [Fact]
    public async Task OnboardedTenant_Returns200WithTheClientAppAndTheCmgResource()
    {
        var entra = fixture.Lab.Document.Entra!;

        using var response = await fixture.Cmg.GetAsync($"{AadAuthInfoPath}?TenantID={entra.TenantId}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = json.RootElement;
        Assert.Equal(EntraLabDefaults.ContosoTenantId, Guid.Parse(root.GetProperty("AADTENANTID").GetString()!));
        Assert.Equal(EntraLabDefaults.ContosoClientAppId, Guid.Parse(root.GetProperty("AADCLIENTAPPID").GetString()!));
        Assert.Equal(entra.ClientAppId, Guid.Parse(root.GetProperty("AADCLIENTAPPID").GetString()!));
        Assert.Equal("https://ConfigMgrService", root.GetProperty("AADRESOURCEURI").GetString());
        Assert.Equal(entra.AppIdUri, root.GetProperty("AADRESOURCEURI").GetString());
    }

    [Fact]
    public async Task TenantThatExistsButIsNotOnboarded_Returns404NotFound()
    {
        Assert.Equal(EntraLabDefaults.FabrikamTenantId, fixture.Lab.Document.Entra!.NotOnboardedTenantId);

        using var response = await fixture.Cmg.GetAsync($"{AadAuthInfoPath}?TenantID={EntraLabDefaults.FabrikamTenantId}");

        TestLab.AssertCmgError(response, HttpStatusCode.NotFound, CmgErrorInfo.NotFoundCode);
        Assert.DoesNotContain(EntraLabDefaults.FabrikamClientAppId.ToString(), await response.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("")]
    [InlineData("?TenantID=")]
    [InlineData("?TenantID=contoso.com")]
    [InlineData("?TenantID=not-a-guid")]
    [InlineData("?TenantID=00000000-0000-0000-0000-000000000000")]
    [InlineData("?TenantID=3c1e7d2a-9b8f-4e6d-a5c4-0f1e2d3c4b5a")]
    public async Task MissingGarbageOrUnknownTenantId_Returns404NotFound(string query)
    {
        using var response = await fixture.Cmg.GetAsync(AadAuthInfoPath + query);

        TestLab.AssertCmgError(response, HttpStatusCode.NotFound, CmgErrorInfo.NotFoundCode);
    }
}
