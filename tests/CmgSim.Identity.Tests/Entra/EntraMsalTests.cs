using System.Security.Cryptography.X509Certificates;
using CmgSim.Identity.Entra;
using Microsoft.Identity.Client;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace CmgSim.Identity.Tests.Entra;

/// <summary>One host on the wall clock (MSAL signs its assertions with it) shared by the MSAL tests.</summary>
public sealed class EntraMsalFixture : IAsyncLifetime
{
    internal EntraTestHost Entra { get; private set; } = null!;

    /// <summary>Registered on the Contoso server app, for private_key_jwt.</summary>
    internal X509Certificate2 ServerAppCertificate { get; } = EntraTestCertificates.Create("ConfigMgr CMG server app", TimeProvider.System);

    public async Task InitializeAsync() =>
        Entra = await EntraTestHost.StartAsync(useFakeTime: false, options =>
            options.Tenants[0].Applications.Single(a => a.AppId == EntraLabDefaults.ContosoServerAppId).Certificates.Add(ServerAppCertificate));

    public async Task DisposeAsync()
    {
        await Entra.DisposeAsync();
        ServerAppCertificate.Dispose();
    }
}

/// <summary>Unmodified MSAL.NET against the local tenant: only the authority and the HTTP client (trusting the lab root) differ.</summary>
public sealed class EntraMsalTests(EntraMsalFixture fixture) : IClassFixture<EntraMsalFixture>
{
    private static readonly string[] ServerScope = [EntraTokenProtocol.DefaultScopeFor(EntraLabDefaults.ServerAppIdUri)];

    private EntraTestHost Entra => fixture.Entra;

    [Fact]
    public async Task Client_secret_gets_an_app_token_that_validates_against_the_published_keys()
    {
        var app = ConfidentialClientApplicationBuilder.Create(EntraLabDefaults.ContosoServerAppId.ToString())
            .WithClientSecret(EntraLabDefaults.ServerAppSecret)
            .WithAuthority(Entra.Host.AuthorityFor(EntraTestHost.Contoso))
            .WithInstanceDiscovery(false)
            .WithHttpClientFactory(new LabMsalHttpClientFactory(Entra.Http))
            .Build();

        var result = await app.AcquireTokenForClient(ServerScope).ExecuteAsync();

        var validation = await Entra.ValidateAsync(result.AccessToken, EntraTestHost.Contoso);
        Assert.True(validation.IsValid, validation.Exception?.Message);
        var token = (JsonWebToken)validation.SecurityToken;
        Assert.Equal(Entra.Host.IssuerFor(EntraTestHost.Contoso), token.Issuer);
        Assert.Equal([EntraLabDefaults.ServerAppIdUri], token.Audiences);
        Assert.Equal(EntraTestHost.Contoso.ToString(), token.GetClaim("tid").Value);
        Assert.Equal(EntraLabDefaults.ContosoServerAppObjectId.ToString(), token.GetClaim("oid").Value);
        Assert.Equal(EntraLabDefaults.ContosoServerAppObjectId.ToString(), token.Subject);
        Assert.Equal(EntraLabDefaults.ContosoServerAppId.ToString(), token.GetClaim("azp").Value);
        Assert.Equal(EntraLabDefaults.ContosoServerAppId.ToString(), token.GetClaim("appid").Value);
        Assert.Equal("app", token.GetClaim("idtyp").Value);
        Assert.Equal("1", token.GetClaim("azpacr").Value);
        Assert.Equal("2.0", token.GetClaim("ver").Value);
        Assert.Equal("JWT", token.Typ);
        Assert.Equal("RS256", token.Alg);
        Assert.Equal(Entra.Host.SigningKeys.Active.KeyId, token.Kid);
        Assert.Equal(Entra.Host.SigningKeys.Active.X5t, token.X5t);
        Assert.InRange(result.ExpiresOn - Entra.Time.GetUtcNow(), TimeSpan.FromMinutes(55), TimeSpan.FromMinutes(60));
    }

    [Fact]
    public async Task Token_validates_with_the_keys_and_issuer_of_the_openid_configuration()
    {
        var app = ConfidentialClientApplicationBuilder.Create(EntraLabDefaults.ContosoServerAppId.ToString())
            .WithClientSecret(EntraLabDefaults.ServerAppSecret)
            .WithAuthority(Entra.Host.AuthorityFor(EntraTestHost.Contoso))
            .WithInstanceDiscovery(false)
            .WithHttpClientFactory(new LabMsalHttpClientFactory(Entra.Http))
            .Build();
        var result = await app.AcquireTokenForClient(ServerScope).ExecuteAsync();

        // What a resource's JwtBearer does: metadata by domain, then the JWKS it names.
        var metadata = $"{Entra.Host.Url}{EntraLabDefaults.ContosoDomain}/v2.0/.well-known/openid-configuration";
        var configuration = await OpenIdConnectConfigurationRetriever.GetAsync(metadata, new HttpDocumentRetriever(Entra.Http), CancellationToken.None);
        Assert.Equal(Entra.Host.IssuerFor(EntraTestHost.Contoso), configuration.Issuer);
        Assert.Equal(Entra.Host.TokenEndpointFor(EntraTestHost.Contoso), configuration.TokenEndpoint);
        // Each JWK gives an RSA key (n, e) and an X509 key (x5c) with the same kid.
        Assert.Equal(2, configuration.SigningKeys.Select(static k => k.KeyId).Distinct().Count());

        var validation = await new JsonWebTokenHandler().ValidateTokenAsync(result.AccessToken, new Microsoft.IdentityModel.Tokens.TokenValidationParameters
        {
            ValidIssuer = configuration.Issuer,
            ValidAudience = EntraLabDefaults.ServerAppIdUri,
            IssuerSigningKeys = configuration.SigningKeys,
        });
        Assert.True(validation.IsValid, validation.Exception?.Message);
    }

    [Fact]
    public async Task Client_certificate_assertion_gets_an_app_token()
    {
        var app = ConfidentialClientApplicationBuilder.Create(EntraLabDefaults.ContosoServerAppId.ToString())
            .WithCertificate(fixture.ServerAppCertificate)
            .WithAuthority(Entra.Host.AuthorityFor(EntraTestHost.Contoso))
            .WithInstanceDiscovery(false)
            .WithHttpClientFactory(new LabMsalHttpClientFactory(Entra.Http))
            .Build();

        var result = await app.AcquireTokenForClient(ServerScope).ExecuteAsync();

        var validation = await Entra.ValidateAsync(result.AccessToken, EntraTestHost.Contoso);
        Assert.True(validation.IsValid, validation.Exception?.Message);
        Assert.Equal("2", ((JsonWebToken)validation.SecurityToken).GetClaim("azpacr").Value);
    }

    [Fact]
    public async Task Certificate_not_registered_on_the_app_fails_with_AADSTS700027()
    {
        using var stranger = EntraTestCertificates.Create("stranger", TimeProvider.System);
        var app = ConfidentialClientApplicationBuilder.Create(EntraLabDefaults.ContosoServerAppId.ToString())
            .WithCertificate(stranger)
            .WithAuthority(Entra.Host.AuthorityFor(EntraTestHost.Contoso))
            .WithInstanceDiscovery(false)
            .WithHttpClientFactory(new LabMsalHttpClientFactory(Entra.Http))
            .Build();

        var error = await Assert.ThrowsAsync<MsalServiceException>(() => app.AcquireTokenForClient(ServerScope).ExecuteAsync());

        Assert.Equal("invalid_client", error.ErrorCode);
        Assert.Contains("AADSTS700027:", error.Message, StringComparison.Ordinal);
    }

    /// <remarks>For invalid_client MSAL puts its own advice before the server's description.</remarks>
    [Fact]
    public async Task Wrong_secret_fails_with_AADSTS7000215()
    {
        var app = ConfidentialClientApplicationBuilder.Create(EntraLabDefaults.ContosoServerAppId.ToString())
            .WithClientSecret("not-the-secret")
            .WithAuthority(Entra.Host.AuthorityFor(EntraTestHost.Contoso))
            .WithInstanceDiscovery(false)
            .WithHttpClientFactory(new LabMsalHttpClientFactory(Entra.Http))
            .Build();

        var error = await Assert.ThrowsAsync<MsalServiceException>(() => app.AcquireTokenForClient(ServerScope).ExecuteAsync());

        Assert.Equal("invalid_client", error.ErrorCode);
        Assert.Equal(401, error.StatusCode);
        Assert.Contains("AADSTS7000215:", error.Message, StringComparison.Ordinal);
        Assert.Contains(Entra.Logs.Entries, e => e.EventId.Id == 4502 && e.Message.Contains("AADSTS7000215", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Unknown_app_fails_with_AADSTS700016_and_unknown_resource_with_AADSTS500011()
    {
        var stranger = ConfidentialClientApplicationBuilder.Create(Guid.NewGuid().ToString())
            .WithClientSecret("whatever")
            .WithAuthority(Entra.Host.AuthorityFor(EntraTestHost.Contoso))
            .WithInstanceDiscovery(false)
            .WithHttpClientFactory(new LabMsalHttpClientFactory(Entra.Http))
            .Build();
        var unknownApp = await Assert.ThrowsAsync<MsalServiceException>(() => stranger.AcquireTokenForClient(ServerScope).ExecuteAsync());
        Assert.Equal("unauthorized_client", unknownApp.ErrorCode);
        Assert.StartsWith("AADSTS700016:", unknownApp.Message, StringComparison.Ordinal);

        var server = ConfidentialClientApplicationBuilder.Create(EntraLabDefaults.ContosoServerAppId.ToString())
            .WithClientSecret(EntraLabDefaults.ServerAppSecret)
            .WithAuthority(Entra.Host.AuthorityFor(EntraTestHost.Contoso))
            .WithInstanceDiscovery(false)
            .WithHttpClientFactory(new LabMsalHttpClientFactory(Entra.Http))
            .Build();
        var unknownResource = await Assert.ThrowsAsync<MsalServiceException>(
            () => server.AcquireTokenForClient(["https://NotConfigMgr/.default"]).ExecuteAsync());
        Assert.Equal("invalid_resource", unknownResource.ErrorCode);
        Assert.StartsWith("AADSTS500011:", unknownResource.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_tenant_fails_with_AADSTS90002()
    {
        var app = ConfidentialClientApplicationBuilder.Create(EntraLabDefaults.ContosoServerAppId.ToString())
            .WithClientSecret(EntraLabDefaults.ServerAppSecret)
            .WithAuthority(Entra.Host.AuthorityFor(Guid.NewGuid()))
            .WithInstanceDiscovery(false)
            .WithHttpClientFactory(new LabMsalHttpClientFactory(Entra.Http))
            .Build();

        var error = await Assert.ThrowsAsync<MsalServiceException>(() => app.AcquireTokenForClient(ServerScope).ExecuteAsync());

        Assert.Equal("invalid_request", error.ErrorCode);
        Assert.StartsWith("AADSTS90002:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Instance_discovery_pointed_at_the_host_works()
    {
        var authority = Entra.Host.AuthorityFor(EntraTestHost.Contoso);
        var discovery = new Uri($"{Entra.Host.Url}common/discovery/instance?api-version=1.1&authorization_endpoint={Uri.EscapeDataString(authority + "oauth2/v2.0/authorize")}");
        var app = ConfidentialClientApplicationBuilder.Create(EntraLabDefaults.ContosoServerAppId.ToString())
            .WithClientSecret(EntraLabDefaults.ServerAppSecret)
            .WithAuthority(authority, validateAuthority: false)
            .WithInstanceDiscoveryMetadata(discovery)
            .WithHttpClientFactory(new LabMsalHttpClientFactory(Entra.Http))
            .Build();

        var result = await app.AcquireTokenForClient(ServerScope).ExecuteAsync();

        Assert.True((await Entra.ValidateAsync(result.AccessToken, EntraTestHost.Contoso)).IsValid);
    }

    [Fact]
    public async Task Public_client_username_password_gets_a_user_token()
    {
        var app = PublicClientApplicationBuilder.Create(EntraLabDefaults.ContosoClientAppId.ToString())
            .WithAuthority(Entra.Host.AuthorityFor(EntraTestHost.Contoso))
            .WithInstanceDiscovery(false)
            .WithHttpClientFactory(new LabMsalHttpClientFactory(Entra.Http))
            .Build();

        var result = await UsernamePassword(app, "user2@contoso.com", EntraLabDefaults.UserPassword).ExecuteAsync();

        var validation = await Entra.ValidateAsync(result.AccessToken, EntraTestHost.Contoso);
        Assert.True(validation.IsValid, validation.Exception?.Message);
        var token = (JsonWebToken)validation.SecurityToken;
        var user = Entra.User(EntraTestHost.Contoso, "user2@contoso.com");
        Assert.Equal("user", token.GetClaim("idtyp").Value);
        Assert.Equal("user2@contoso.com", token.GetClaim("upn").Value);
        Assert.Equal(user.ObjectId.ToString(), token.GetClaim("oid").Value);
        Assert.Equal(user.OnPremisesSid, token.GetClaim("onprem_sid").Value);
        Assert.Equal(EntraLabDefaults.ContosoClientAppId.ToString(), token.GetClaim("azp").Value);

        // MSAL built its account from client_info and the id token.
        Assert.Equal("user2@contoso.com", result.Account.Username);
        Assert.Equal($"{user.ObjectId}.{EntraTestHost.Contoso}", result.Account.HomeAccountId.Identifier);
        Assert.Equal(EntraTestHost.Contoso.ToString(), result.TenantId);
    }

    [Fact]
    public async Task Public_client_wrong_password_fails_with_AADSTS50126()
    {
        var app = PublicClientApplicationBuilder.Create(EntraLabDefaults.ContosoClientAppId.ToString())
            .WithAuthority(Entra.Host.AuthorityFor(EntraTestHost.Contoso))
            .WithInstanceDiscovery(false)
            .WithHttpClientFactory(new LabMsalHttpClientFactory(Entra.Http))
            .Build();

        // MSAL raises invalid_grant as MsalUiRequiredException, a MsalServiceException.
        var error = await Assert.ThrowsAnyAsync<MsalServiceException>(
            () => UsernamePassword(app, "user1@contoso.com", "wrong").ExecuteAsync());

        Assert.Equal("invalid_grant", error.ErrorCode);
        Assert.StartsWith("AADSTS50126:", error.Message, StringComparison.Ordinal);
    }

    // MSAL marks ROPC obsolete (Microsoft steers apps away from it); ConfigMgr's user-token fallback is what is simulated here.
#pragma warning disable CS0618
    private static AcquireTokenByUsernamePasswordParameterBuilder UsernamePassword(IPublicClientApplication app, string username, string password) =>
        app.AcquireTokenByUsernamePassword(ServerScope, username, password);
#pragma warning restore CS0618
}
