using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Xml.Linq;
using CmgSim.Identity.SiteTokens;
using CmgSim.ManagementPoint.SecurityTokenService;
using CmgSim.Messaging;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;

namespace CmgSim.ManagementPoint.Tests.SecurityTokenService;

/// <summary>The MP's CCM_STS and the token checks of ccm_system_tokenauth, on a real Kestrel MP with real signed tokens.</summary>
public sealed class CcmStsTests(ManagementPointHost host) : IClassFixture<ManagementPointHost>
{
    private const string TokenAuthPath = "/ccm_system_tokenauth/request";

    [Fact]
    public async Task Entra_device_token_buys_an_eight_hour_device_ccm_token()
    {
        var device = Guid.NewGuid();

        var (status, reply) = await StsAsync(host.EntraToken(device));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("Device", reply!.TokenType);
        Assert.Equal(host.Clock.GetUtcNow().AddHours(8), reply.ExpiresOn);
        var token = new JsonWebToken(reply.CcmToken);
        Assert.Contains(token.Claims, c => c.Value.Equals(device.ToString("D"), StringComparison.OrdinalIgnoreCase));
        Assert.Contains(host.Logs, l => l.Message.Contains($"Validated AAD token. TokenType: Device TenantId: {host.EntraTenantId}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Entra_user_token_bound_to_a_device_buys_a_UDA_ccm_token()
    {
        var (status, reply) = await StsAsync(host.EntraToken(Guid.NewGuid(), upn: "user1@contoso.com"));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("UDA", reply!.TokenType);
    }

    [Fact]
    public async Task Bulk_token_install_registers_gets_a_client_token_and_renews_it()
    {
        var bulk = host.SiteTokens.CreateBulkRegistrationToken();
        host.BulkTokens.Add(bulk);
        var (_, preAuth) = await StsAsync(bulk.Jwt);
        Assert.Equal("BulkRegistration", preAuth!.TokenType);

        using var client = new TestClient("BULK01");
        var registration = await RegisterAsync(client, preAuth.CcmToken);
        var clientToken = registration.Element("ClientToken");
        Assert.NotNull(clientToken);
        Assert.Equal("3", (string?)registration.Attribute("ApprovalStatus"));

        // The client token buys CCM tokens naming the client.
        var (status, ccm) = await StsAsync(clientToken.Value);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("ClientToken", ccm!.TokenType);
        var smsId = (string)registration.Attribute("SMSID")!;
        Assert.Equal(HttpStatusCode.OK, (await PostSignedPolicyAsync(client, smsId, ccm.CcmToken)).Status);

        // A month later, at client start: renewed for another 90 days.
        host.Clock.Advance(TimeSpan.FromDays(31));
        var (renewStatus, renewed) = await StsAsync(clientToken.Value, renew: true);
        Assert.Equal(HttpStatusCode.OK, renewStatus);
        Assert.Equal(host.Clock.GetUtcNow().AddDays(90), renewed!.ClientTokenExpiresOn);
        Assert.NotEqual(clientToken.Value, renewed.ClientToken);
    }

    [Fact]
    public async Task Bulk_token_past_its_lifetime_is_refused_with_a_PreAuth_log_line()
    {
        var bulk = host.SiteTokens.CreateBulkRegistrationToken(lifetimeMinutes: 60);
        host.BulkTokens.Add(bulk);
        host.Clock.Advance(TimeSpan.FromHours(2));

        var (status, _, code) = await StsRawAsync(bulk.Jwt);

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("CMGService_Invalid_Token", code);
        Assert.Contains(host.Logs, l => l.Category == ManagementPointLogCategories.Sts && l.Message.Contains("PreAuth token validation failed (Expired)", StringComparison.Ordinal) && l.Message.Contains("IDX10223", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Blocked_bulk_token_is_refused()
    {
        var bulk = host.SiteTokens.CreateBulkRegistrationToken();
        host.BulkTokens.Add(bulk);
        Assert.True(host.BulkTokens.Block(bulk.TokenId));

        var (status, _, code) = await StsRawAsync(bulk.Jwt);

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("CMGService_Invalid_Token", code);
        Assert.Contains(host.Logs, l => l.Message.Contains("PreAuth token validation failed (Blocked)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_ccm_token_cannot_buy_another_and_only_client_tokens_renew()
    {
        var (status, _, _) = await StsRawAsync(host.CcmToken(CcmTokenType.Device, deviceId: Guid.NewGuid()));
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Contains(host.Logs, l => l.Message.Contains("CCM_STS does not accept a CcmToken token", StringComparison.Ordinal));

        var (renewStatus, _, _) = await StsRawAsync(host.EntraToken(Guid.NewGuid()), renew: true);
        Assert.Equal(HttpStatusCode.Unauthorized, renewStatus);
    }

    [Fact]
    public async Task Device_B_cannot_speak_with_device_As_token()
    {
        var deviceA = Guid.NewGuid();
        var deviceB = Guid.NewGuid();
        using var clientA = new TestClient("DEVICEA");
        using var clientB = new TestClient("DEVICEB");
        var tokenA = host.CcmToken(CcmTokenType.Device, deviceId: deviceA);
        var tokenB = host.CcmToken(CcmTokenType.Device, deviceId: deviceB);
        var smsIdA = (string)(await RegisterAsync(clientA, tokenA)).Attribute("SMSID")!;
        var smsIdB = (string)(await RegisterAsync(clientB, tokenB)).Attribute("SMSID")!;
        Assert.NotEqual(smsIdA, smsIdB);

        var own = await PostSignedPolicyAsync(clientB, smsIdB, tokenB);
        var stolen = await PostSignedPolicyAsync(clientB, smsIdB, tokenA);

        Assert.Equal(HttpStatusCode.OK, own.Status);
        Assert.NotEqual(0, own.Length);
        Assert.Equal(HttpStatusCode.Unauthorized, stolen.Status);
        Assert.Equal("CMGService_Invalid_Token", stolen.Code);
        Assert.Contains(host.Logs, l => l.Category == ManagementPointLogCategories.Sts && l.Message.Contains($"is for Entra device {deviceA}, but {smsIdB} registered as device {deviceB}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_bulk_registration_ccm_token_only_registers()
    {
        using var client = new TestClient("BULK02");
        var bulkCcm = host.CcmToken(CcmTokenType.BulkRegistration);
        var smsId = (string)(await RegisterAsync(client, bulkCcm)).Attribute("SMSID")!;

        var policy = await PostSignedPolicyAsync(client, smsId, bulkCcm);

        Assert.Equal(HttpStatusCode.Unauthorized, policy.Status);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Basic dXNlcjpwYXNz")]
    [InlineData("Bearer not.a.jwt")]
    public async Task Tokenauth_without_a_valid_token_is_refused_before_any_handler(string? authorization)
    {
        using var client = new TestClient("NOTOKEN");
        using var request = TestClient.Post(TokenAuthPath, client.Registration(null));
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        using var response = await host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer error=\"invalid_token\"", response.Headers.WwwAuthenticate.ToString());
        Assert.DoesNotContain(host.Logs, l => l.Message.Contains("('NOTOKEN')", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Entra_token_for_another_audience_is_refused()
    {
        var (status, _, _) = await StsRawAsync(host.EntraToken(Guid.NewGuid(), audience: "api://something-else"));

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Contains(host.Logs, l => l.Level == LogLevel.Warning && l.Message.Contains("Token validation failed (WrongAudience)", StringComparison.Ordinal));
    }

    private async Task<(HttpStatusCode Status, CcmStsReply? Reply)> StsAsync(string credential, bool renew = false)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, CcmStsEndpoint.Path + (renew ? "?RenewClientToken=1" : string.Empty));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", credential);
        using var response = await host.Client.SendAsync(request);
        var reply = response.IsSuccessStatusCode ? JsonSerializer.Deserialize<CcmStsReply>(await response.Content.ReadAsStringAsync()) : null;
        return (response.StatusCode, reply);
    }

    private async Task<(HttpStatusCode Status, string Body, string? Code)> StsRawAsync(string credential, bool renew = false)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, CcmStsEndpoint.Path + (renew ? "?RenewClientToken=1" : string.Empty));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", credential);
        using var response = await host.Client.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), response.Headers.TryGetValues("X-CmgSim-Error", out var values) ? values.Single() : null);
    }

    private async Task<XElement> RegisterAsync(TestClient client, string ccmToken)
    {
        using var request = TestClient.Post(TokenAuthPath, client.Registration(null));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ccmToken);
        using var response = await host.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.NotEmpty(bytes);
        return XElement.Parse(CcmMessageReader.Read(bytes, response.Content.Headers.ContentType?.ToString()).Message.Body);
    }

    private async Task<(HttpStatusCode Status, long Length, string? Code)> PostSignedPolicyAsync(TestClient client, string smsId, string ccmToken)
    {
        using var request = TestClient.Post(TokenAuthPath, client.SignedPolicyRequest(smsId));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ccmToken);
        using var response = await host.Client.SendAsync(request);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        return (response.StatusCode, bytes.Length, response.Headers.TryGetValues("X-CmgSim-Error", out var values) ? values.Single() : null);
    }
}
