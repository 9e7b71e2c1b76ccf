using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using CmgSim.Identity.Entra;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.JsonWebTokens;

namespace CmgSim.Identity.Tests.Entra;

/// <summary>One host on the lab's fake clock, shared by the token and discovery tests.</summary>
public sealed class EntraFakeClockFixture : IAsyncLifetime
{
    internal EntraTestHost Entra { get; private set; } = null!;

    public async Task InitializeAsync() => Entra = await EntraTestHost.StartAsync(useFakeTime: true);

    public async Task DisposeAsync() => await Entra.DisposeAsync();
}

/// <summary>The device and password grants through <see cref="EntraTokenClient"/>, refusals, and the metadata documents.</summary>
public sealed class EntraTokenEndpointTests(EntraFakeClockFixture fixture) : IClassFixture<EntraFakeClockFixture>
{
    private static readonly Guid Contoso = EntraLabDefaults.ContosoTenantId;
    private static readonly Guid Fabrikam = EntraLabDefaults.FabrikamTenantId;
    private static readonly Guid ClientApp = EntraLabDefaults.ContosoClientAppId;
    private const string Resource = EntraLabDefaults.ServerAppIdUri;

    private EntraTestHost Entra => fixture.Entra;

    private string KeyDirectory => Entra.Host.Options.KeyDirectory!;

    [Fact]
    public async Task Device_token_from_the_wpj_certificate_file_carries_deviceid_tid_and_idtyp_device()
    {
        var device = Entra.Device(Contoso, "CLIENT-01");
        using var wpj = EntraDeviceCertificates.Load(KeyDirectory, "CLIENT-01");

        var response = await Entra.TokenClient(Contoso).AcquireDeviceTokenAsync(ClientApp, Resource, device.DeviceId, wpj, Entra.Time, CancellationToken.None);

        Assert.True(response.Succeeded, response.ErrorDescription);
        Assert.Equal(Entra.Time.GetUtcNow().AddSeconds(3599), response.ExpiresOn);
        var validation = await Entra.ValidateAsync(response.AccessToken!, Contoso);
        Assert.True(validation.IsValid, validation.Exception?.Message);
        var token = (JsonWebToken)validation.SecurityToken;
        Assert.Equal(device.DeviceId.ToString(), token.GetClaim("deviceid").Value);
        Assert.Equal(device.DeviceId.ToString(), token.GetClaim("oid").Value);
        Assert.Equal(Contoso.ToString(), token.GetClaim("tid").Value);
        Assert.Equal("device", token.GetClaim("idtyp").Value);
        Assert.Equal(ClientApp.ToString(), token.GetClaim("azp").Value);
        Assert.Equal(ClientApp.ToString(), token.GetClaim("appid").Value);
        Assert.Equal("2.0", token.GetClaim("ver").Value);
        Assert.Equal(Entra.Time.GetUtcNow().UtcDateTime, token.IssuedAt);
        Assert.Equal(TimeSpan.FromSeconds(3599), token.ValidTo - token.ValidFrom);
        Assert.False(token.TryGetClaim("upn", out _));
    }

    [Theory]
    [InlineData("contoso.com")]
    [InlineData("organizations")]
    [InlineData("common")]
    public async Task Device_token_by_domain_or_common_authority_names_the_device_tenant(string tenant)
    {
        var device = Entra.Device(Contoso, "CLIENT-02");
        using var wpj = Entra.Host.GetDeviceCertificate(Contoso, "client-02");
        var client = new EntraTokenClient(Entra.Http, new Uri($"{Entra.Host.Url}{tenant}/"));

        var response = await client.AcquireDeviceTokenAsync(ClientApp, Resource, device.DeviceId, wpj, Entra.Time, CancellationToken.None);

        Assert.True(response.Succeeded, response.ErrorDescription);
        var validation = await Entra.ValidateAsync(response.AccessToken!, Contoso);
        Assert.True(validation.IsValid, validation.Exception?.Message);
    }

    [Fact]
    public async Task Unknown_device_is_refused_with_AADSTS700003()
    {
        using var wpj = Entra.Host.GetDeviceCertificate(Contoso, "CLIENT-01");

        var response = await Entra.TokenClient(Contoso).AcquireDeviceTokenAsync(ClientApp, Resource, Guid.NewGuid(), wpj, Entra.Time, CancellationToken.None);

        AssertRefused(response, 400, "invalid_grant", 700003);
    }

    [Fact]
    public async Task Device_of_another_tenant_is_unknown_here_and_gets_a_token_from_its_own_tenant()
    {
        var device = Entra.Device(Fabrikam, EntraLabDefaults.FabrikamDeviceName);
        using var wpj = Entra.Host.GetDeviceCertificate(Fabrikam, EntraLabDefaults.FabrikamDeviceName);

        var inContoso = await Entra.TokenClient(Contoso).AcquireDeviceTokenAsync(ClientApp, Resource, device.DeviceId, wpj, Entra.Time, CancellationToken.None);
        var inFabrikam = await Entra.TokenClient(Fabrikam).AcquireDeviceTokenAsync(
            EntraLabDefaults.FabrikamClientAppId, Resource, device.DeviceId, wpj, Entra.Time, CancellationToken.None);

        AssertRefused(inContoso, 400, "invalid_grant", 700003);
        Assert.True(inFabrikam.Succeeded, inFabrikam.ErrorDescription);
        var token = new JsonWebToken(inFabrikam.AccessToken);
        Assert.Equal(Fabrikam.ToString(), token.GetClaim("tid").Value);
        Assert.Equal(Entra.Host.IssuerFor(Fabrikam), token.Issuer);
    }

    [Fact]
    public async Task Disabled_device_is_refused_with_AADSTS135011()
    {
        var device = Entra.Device(Contoso, "CLIENT-03");
        using var wpj = Entra.Host.GetDeviceCertificate(Contoso, "CLIENT-03");
        device.AccountEnabled = false;

        var response = await Entra.TokenClient(Contoso).AcquireDeviceTokenAsync(ClientApp, Resource, device.DeviceId, wpj, Entra.Time, CancellationToken.None);

        AssertRefused(response, 400, "invalid_grant", 135011);
        Assert.Contains("Device used during the authentication is disabled", response.ErrorDescription, StringComparison.Ordinal);

        // The fallback: the user's token still names the device the user signed in on.
        var user = await Entra.TokenClient(Contoso).AcquireUserTokenAsync(
            ClientApp, Resource, EntraLabDefaults.UserPrincipalNameFor(3, EntraLabDefaults.ContosoDomain), EntraLabDefaults.UserPassword, (device.DeviceId, wpj), Entra.Time, CancellationToken.None);
        device.AccountEnabled = true;
        Assert.True(user.Succeeded, user.ErrorDescription);
    }

    [Fact]
    public async Task Device_assertion_signed_with_another_key_is_refused_with_AADSTS50013()
    {
        var device = Entra.Device(Contoso, "CLIENT-01");
        using var stranger = EntraTestCertificates.Create(device.DeviceId.ToString(), Entra.Time);

        var response = await Entra.TokenClient(Contoso).AcquireDeviceTokenAsync(ClientApp, Resource, device.DeviceId, stranger, Entra.Time, CancellationToken.None);

        AssertRefused(response, 400, "invalid_grant", 50013);
    }

    [Fact]
    public async Task Device_assertion_made_an_hour_ago_is_refused_with_AADSTS500133()
    {
        var device = Entra.Device(Contoso, "CLIENT-01");
        using var wpj = Entra.Host.GetDeviceCertificate(Contoso, "CLIENT-01");
        var anHourAgo = new FakeTimeProvider(Entra.Time.GetUtcNow().AddHours(-1));

        var response = await Entra.TokenClient(Contoso).AcquireDeviceTokenAsync(ClientApp, Resource, device.DeviceId, wpj, anHourAgo, CancellationToken.None);

        AssertRefused(response, 400, "invalid_grant", 500133);
    }

    [Fact]
    public async Task User_token_without_device_carries_the_user_and_no_deviceid()
    {
        var user = Entra.User(Contoso, "user1@contoso.com");

        var response = await Entra.TokenClient(Contoso).AcquireUserTokenAsync(
            ClientApp, Resource, "USER1@contoso.com", EntraLabDefaults.UserPassword, device: null, Entra.Time, CancellationToken.None);

        Assert.True(response.Succeeded, response.ErrorDescription);
        var validation = await Entra.ValidateAsync(response.AccessToken!, Contoso);
        Assert.True(validation.IsValid, validation.Exception?.Message);
        var token = (JsonWebToken)validation.SecurityToken;
        Assert.Equal("user", token.GetClaim("idtyp").Value);
        Assert.Equal("user1@contoso.com", token.GetClaim("upn").Value);
        Assert.Equal("user1@contoso.com", token.GetClaim("unique_name").Value);
        Assert.Equal("Lab User 1", token.GetClaim("name").Value);
        Assert.Equal(user.ObjectId.ToString(), token.GetClaim("oid").Value);
        Assert.Equal(Contoso.ToString(), token.GetClaim("tid").Value);
        Assert.Equal("S-1-5-21-3623811015-3361044348-30300820-1001", token.GetClaim("onprem_sid").Value);
        Assert.False(token.TryGetClaim("deviceid", out _));
    }

    [Fact]
    public async Task User_token_bound_to_the_device_carries_its_deviceid()
    {
        var device = Entra.Device(Contoso, "CLIENT-02");
        using var wpj = EntraDeviceCertificates.Load(KeyDirectory, "CLIENT-02");

        var response = await Entra.TokenClient(Contoso).AcquireUserTokenAsync(
            ClientApp, Resource, "user2@contoso.com", EntraLabDefaults.UserPassword, (device.DeviceId, wpj), Entra.Time, CancellationToken.None);

        Assert.True(response.Succeeded, response.ErrorDescription);
        var token = new JsonWebToken(response.AccessToken);
        Assert.Equal("user", token.GetClaim("idtyp").Value);
        Assert.Equal("user2@contoso.com", token.GetClaim("upn").Value);
        Assert.Equal(device.DeviceId.ToString(), token.GetClaim("deviceid").Value);
    }

    [Fact]
    public async Task Wrong_password_and_unknown_user_are_refused_with_AADSTS50126_and_AADSTS50034()
    {
        var client = Entra.TokenClient(Contoso);

        var wrongPassword = await client.AcquireUserTokenAsync(ClientApp, Resource, "user1@contoso.com", "nope", null, Entra.Time, CancellationToken.None);
        var unknownUser = await client.AcquireUserTokenAsync(ClientApp, Resource, "nobody@contoso.com", "nope", null, Entra.Time, CancellationToken.None);

        AssertRefused(wrongPassword, 400, "invalid_grant", 50126);
        AssertRefused(unknownUser, 400, "invalid_grant", 50034);
    }

    [Fact]
    public async Task Confidential_and_public_apps_are_kept_to_their_flows()
    {
        var client = Entra.TokenClient(Contoso);
        var device = Entra.Device(Contoso, "CLIENT-01");
        using var wpj = Entra.Host.GetDeviceCertificate(Contoso, "CLIENT-01");

        // The server app does not allow public client flows; the client app has no credential for client credentials.
        var serverAsPublic = await client.AcquireDeviceTokenAsync(
            EntraLabDefaults.ContosoServerAppId, Resource, device.DeviceId, wpj, Entra.Time, CancellationToken.None);
        var clientAsConfidential = await PostAsync(Contoso, new()
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = ClientApp.ToString(),
            ["scope"] = Resource + "/.default",
        });

        AssertRefused(serverAsPublic, 401, "invalid_client", 7000218);
        Assert.Equal(HttpStatusCode.Unauthorized, clientAsConfidential.Status);
        Assert.Equal(7000216, clientAsConfidential.Json.GetProperty("error_codes")[0].GetInt32());
    }

    [Fact]
    public async Task App_token_with_client_secret_basic_and_the_helper()
    {
        var form = new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["scope"] = Resource + "/.default" };
        using var request = new HttpRequestMessage(HttpMethod.Post, Entra.Host.TokenEndpointFor(Contoso)) { Content = new FormUrlEncodedContent(form) };
        request.Headers.Authorization = new AuthenticationHeaderValue(
            "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{EntraLabDefaults.ContosoServerAppId}:{EntraLabDefaults.ServerAppSecret}")));
        using var basic = await Entra.Http.SendAsync(request);
        var helper = await Entra.TokenClient(Contoso).AcquireAppTokenAsync(
            EntraLabDefaults.ContosoServerAppId, EntraLabDefaults.ServerAppSecret, Resource, Entra.Time, CancellationToken.None);

        Assert.Equal(HttpStatusCode.OK, basic.StatusCode);
        Assert.Equal("no-store, no-cache", basic.Headers.CacheControl?.ToString());
        using var json = JsonDocument.Parse(await basic.Content.ReadAsStringAsync());
        Assert.Equal("Bearer", json.RootElement.GetProperty("token_type").GetString());
        Assert.Equal(3599, json.RootElement.GetProperty("expires_in").GetInt32());
        Assert.True(helper.Succeeded, helper.ErrorDescription);
        Assert.Equal("app", new JsonWebToken(helper.AccessToken).GetClaim("idtyp").Value);
    }

    [Fact]
    public async Task Unsupported_grant_and_missing_parameters_are_refused_as_Entra_does()
    {
        var unsupported = await PostAsync(Contoso, new() { ["grant_type"] = "authorization_code", ["client_id"] = ClientApp.ToString() });
        var noGrant = await PostAsync(Contoso, new() { ["client_id"] = ClientApp.ToString() });
        var notDefault = await PostAsync(Contoso, new()
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = EntraLabDefaults.ContosoServerAppId.ToString(),
            ["client_secret"] = EntraLabDefaults.ServerAppSecret,
            ["scope"] = Resource + "/user_impersonation",
        });

        Assert.Equal("unsupported_grant_type", unsupported.Json.GetProperty("error").GetString());
        Assert.Equal(70003, unsupported.Json.GetProperty("error_codes")[0].GetInt32());
        Assert.Equal(900144, noGrant.Json.GetProperty("error_codes")[0].GetInt32());
        Assert.Equal("invalid_scope", notDefault.Json.GetProperty("error").GetString());
        Assert.Equal(1002012, notDefault.Json.GetProperty("error_codes")[0].GetInt32());
    }

    [Fact]
    public async Task A_refusal_has_Entras_error_shape_and_logs_one_line_saying_why()
    {
        var correlation = Guid.NewGuid();
        var before = Entra.Logs.Entries.Count(static e => e.EventId.Id == 4502);
        using var request = new HttpRequestMessage(HttpMethod.Post, Entra.Host.TokenEndpointFor(Contoso))
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "client_credentials",
                ["client_id"] = EntraLabDefaults.ContosoServerAppId.ToString(),
                ["client_secret"] = "wrong",
                ["scope"] = Resource + "/.default",
            }),
        };
        request.Headers.Add("client-request-id", correlation.ToString());

        using var response = await Entra.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = json.RootElement;
        Assert.Equal("invalid_client", root.GetProperty("error").GetString());
        var description = root.GetProperty("error_description").GetString()!;
        Assert.StartsWith("AADSTS7000215: Invalid client secret provided.", description, StringComparison.Ordinal);
        Assert.Contains($"\r\nCorrelation ID: {correlation}\r\n", description, StringComparison.Ordinal);
        Assert.Equal(7000215, root.GetProperty("error_codes")[0].GetInt32());
        Assert.Equal(correlation.ToString(), root.GetProperty("correlation_id").GetString());
        Assert.True(Guid.TryParse(root.GetProperty("trace_id").GetString(), out _));
        Assert.Equal(Entra.Time.GetUtcNow().ToString("yyyy-MM-dd HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture), root.GetProperty("timestamp").GetString());
        var refusals = Entra.Logs.Entries.Where(static e => e.EventId.Id == 4502).Skip(before).ToList();
        var line = Assert.Single(refusals);
        Assert.Contains("AADSTS7000215", line.Message, StringComparison.Ordinal);
        Assert.Contains(EntraLabDefaults.ContosoServerAppId.ToString(), line.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("8a9b3c2d-1e0f-4a5b-9c8d-7e6f5a4b3c21")]
    [InlineData("CONTOSO.com")]
    public async Task Openid_configuration_names_the_tenant_by_id(string tenant)
    {
        using var response = await Entra.Http.GetAsync($"{Entra.Host.Url}{tenant}/v2.0/.well-known/openid-configuration");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = json.RootElement;
        var authority = Entra.Host.AuthorityFor(Contoso);
        Assert.Equal(Entra.Host.IssuerFor(Contoso), root.GetProperty("issuer").GetString());
        Assert.Equal($"{Entra.Host.Url}{Contoso}/v2.0", root.GetProperty("issuer").GetString());
        Assert.Equal(authority + "oauth2/v2.0/token", root.GetProperty("token_endpoint").GetString());
        Assert.Equal(authority + "oauth2/v2.0/authorize", root.GetProperty("authorization_endpoint").GetString());
        Assert.Equal(authority + "discovery/v2.0/keys", root.GetProperty("jwks_uri").GetString());
        Assert.Equal("RS256", root.GetProperty("id_token_signing_alg_values_supported")[0].GetString());
        Assert.Equal("NA", root.GetProperty("tenant_region_scope").GetString());
        Assert.StartsWith("https://127.0.0.1:", root.GetProperty("issuer").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_tenant_gets_AADSTS90002_from_discovery_and_token_endpoint()
    {
        using var discovery = await Entra.Http.GetAsync($"{Entra.Host.Url}northwind.com/v2.0/.well-known/openid-configuration");
        var token = await PostAsync(Guid.NewGuid(), new() { ["grant_type"] = "client_credentials" });

        Assert.Equal(HttpStatusCode.BadRequest, discovery.StatusCode);
        using var json = JsonDocument.Parse(await discovery.Content.ReadAsStringAsync());
        Assert.Equal("invalid_tenant", json.RootElement.GetProperty("error").GetString());
        Assert.StartsWith("AADSTS90002: Tenant 'northwind.com' not found.", json.RootElement.GetProperty("error_description").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, token.Status);
        Assert.Equal("invalid_request", token.Json.GetProperty("error").GetString());
        Assert.Equal(90002, token.Json.GetProperty("error_codes")[0].GetInt32());
    }

    [Fact]
    public async Task Jwks_publishes_both_keys_with_x5c_active_first()
    {
        using var json = JsonDocument.Parse(await Entra.Http.GetStringAsync(Entra.Host.JwksUriFor(Contoso)));

        var keys = json.RootElement.GetProperty("keys").EnumerateArray().ToList();
        Assert.Equal(2, keys.Count);
        Assert.Equal(Entra.Host.SigningKeys.Active.KeyId, keys[0].GetProperty("kid").GetString());
        foreach (var key in keys)
        {
            Assert.Equal("RSA", key.GetProperty("kty").GetString());
            Assert.Equal("sig", key.GetProperty("use").GetString());
            Assert.Equal(key.GetProperty("kid").GetString(), key.GetProperty("x5t").GetString());
            Assert.Equal("AQAB", key.GetProperty("e").GetString());
            Assert.Equal(342, key.GetProperty("n").GetString()!.Length);
            Assert.Equal(Entra.Host.IssuerFor(Contoso), key.GetProperty("issuer").GetString());
            using var certificate = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(
                Convert.FromBase64String(key.GetProperty("x5c")[0].GetString()!));
            Assert.Equal(key.GetProperty("x5t").GetString(), Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Encode(certificate.GetCertHash()));
        }
    }

    [Fact]
    public async Task Instance_discovery_and_user_realm_answer_as_Entra_does()
    {
        var authorize = Uri.EscapeDataString(Entra.Host.AuthorityFor(Contoso) + "oauth2/v2.0/authorize");
        using var instance = JsonDocument.Parse(await Entra.Http.GetStringAsync(
            $"{Entra.Host.Url}common/discovery/instance?api-version=1.1&authorization_endpoint={authorize}"));
        using var realm = JsonDocument.Parse(await Entra.Http.GetStringAsync($"{Entra.Host.Url}common/userrealm/user1@contoso.com?api-version=1.0"));
        using var unknownRealm = JsonDocument.Parse(await Entra.Http.GetStringAsync($"{Entra.Host.Url}common/userrealm/someone@northwind.com?api-version=1.0"));
        using var otherCloud = await Entra.Http.GetAsync(
            $"{Entra.Host.Url}common/discovery/instance?api-version=1.1&authorization_endpoint={Uri.EscapeDataString("https://login.example.net/x/oauth2/v2.0/authorize")}");

        Assert.Equal(
            $"{Entra.Host.AuthorityFor(Contoso)}v2.0/.well-known/openid-configuration",
            instance.RootElement.GetProperty("tenant_discovery_endpoint").GetString());
        var metadata = instance.RootElement.GetProperty("metadata")[0];
        Assert.Equal("127.0.0.1", metadata.GetProperty("preferred_network").GetString());
        Assert.Equal("127.0.0.1", metadata.GetProperty("aliases")[0].GetString());
        Assert.Equal("Managed", realm.RootElement.GetProperty("account_type").GetString());
        Assert.Equal("contoso.com", realm.RootElement.GetProperty("domain_name").GetString());
        Assert.Equal("Unknown", unknownRealm.RootElement.GetProperty("account_type").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, otherCloud.StatusCode);
    }

    private static void AssertRefused(EntraTokenResponse response, int status, string error, int code)
    {
        Assert.False(response.Succeeded);
        Assert.Null(response.AccessToken);
        Assert.Equal(status, response.StatusCode);
        Assert.Equal(error, response.Error);
        Assert.Equal([code], response.ErrorCodes);
        Assert.StartsWith($"AADSTS{code}:", response.ErrorDescription, StringComparison.Ordinal);
    }

    private async Task<(HttpStatusCode Status, JsonElement Json)> PostAsync(Guid tenant, Dictionary<string, string> form)
    {
        using var response = await Entra.Http.PostAsync(Entra.Host.TokenEndpointFor(tenant), new FormUrlEncodedContent(form));
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (response.StatusCode, json.RootElement.Clone());
    }
}
