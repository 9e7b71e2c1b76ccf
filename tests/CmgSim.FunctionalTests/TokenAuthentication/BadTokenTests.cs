using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using CmgSim.Client;
using CmgSim.Client.TokenAuthentication;
using CmgSim.Core.Errors;
using CmgSim.Core.Logging;
using CmgSim.Identity.Certificates;
using CmgSim.Identity.Entra;
using CmgSim.Identity.SiteTokens;
using CmgSim.Identity.Tokens;
using CmgSim.Messaging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace CmgSim.FunctionalTests.TokenAuthentication;

/// <summary>The bad inputs of <see cref="BadTokenTests.BadBearerToken_IsRefusedByTheCmg_AndNeverReachesTheMp"/>.</summary>
public enum BadTokenCase
{
    /// <summary>No Authorization header at all.</summary>
    NoToken,

    /// <summary><c>Authorization: Bearer</c> with nothing after it.</summary>
    BearerWithoutToken,

    /// <summary><c>Authorization: Basic …</c>.</summary>
    BasicScheme,

    /// <summary><c>Bearer</c> and three dot-separated parts that are not base64url JSON.</summary>
    NotAJwt,

    /// <summary>An unsigned token (<c>alg: none</c>) with the site's issuer and audience.</summary>
    AlgNone,

    /// <summary>Key confusion: HS256 with the site token-signing certificate's public PEM as HMAC secret.</summary>
    Hs256WithSitePublicKey,

    /// <summary>A real Entra app token of the onboarded tenant, issued for the client app instead of the CMG server app.</summary>
    WrongAudience,

    /// <summary>A bulk token signed with the site's real key but issued for another hierarchy.</summary>
    WrongIssuer,

    /// <summary>A real Entra device token of Fabrikam, a tenant the site did not onboard.</summary>
    TenantNotOnboarded,

    /// <summary>A CCM token (8 hours) the site's real key signed nine hours ago.</summary>
    ExpiredCcmToken,

    /// <summary>A 1-minute bulk token minted an hour ago with the site's real key: past its lifetime.</summary>
    BulkTokenPastItsLifetime,

    /// <summary>A bulk token minted an hour from now with the site's real key.</summary>
    NotYetValid,

    /// <summary>A real bulk token whose payload (its UniqueId) was changed after signing.</summary>
    BadSignature,

    /// <summary>An Entra-shaped token of the onboarded tenant signed with a fresh key under a made-up kid.</summary>
    UnknownKid,

    /// <summary>A bulk token signed with the site's real key, valid for 10,081 minutes (the tool's maximum is 10,080).</summary>
    BulkLifetimeTooLong,
}

/// <summary>Which MP path a bad request goes to (the CMG must refuse before it looks at the path).</summary>
public enum MpTarget
{
    /// <summary><c>POST /CCM_STS</c>.</summary>
    Sts,

    /// <summary><c>CCM_POST /ccm_system_tokenauth/request</c>.</summary>
    TokenAuthRequest,

    /// <summary><c>GET /SMS_MP/.sms_aut?MPLIST</c>.</summary>
    SmsAut,
}

/// <summary>
/// Bad bearer tokens sent through the CMG's public URL to the MP's ServerAuth paths: the CMG answers 401
/// <c>CMGService_Invalid_Token</c>, logs the <see cref="TokenRejectReason"/>, and the request never reaches the MP
/// (its IIS log has no line for it). A token misused by another device passes the CMG (it is a valid token) and is
/// refused by the MP, the only hop that knows which client a message is from.
/// </summary>
[Collection(TokenLab.Name)]
public sealed class BadTokenTests(TokenLabFixture fixture)
{
    private static readonly TimeSpan LogTimeout = TimeSpan.FromSeconds(5);

    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };

    [Theory]
    [InlineData(BadTokenCase.NoToken, TokenRejectReason.Missing, MpTarget.Sts)]
    [InlineData(BadTokenCase.BearerWithoutToken, TokenRejectReason.MalformedHeader, MpTarget.TokenAuthRequest)]
    [InlineData(BadTokenCase.BasicScheme, TokenRejectReason.MalformedHeader, MpTarget.SmsAut)]
    [InlineData(BadTokenCase.NotAJwt, TokenRejectReason.Malformed, MpTarget.Sts)]
    [InlineData(BadTokenCase.AlgNone, TokenRejectReason.UnsupportedAlgorithm, MpTarget.TokenAuthRequest)]
    [InlineData(BadTokenCase.Hs256WithSitePublicKey, TokenRejectReason.UnsupportedAlgorithm, MpTarget.SmsAut)]
    [InlineData(BadTokenCase.WrongAudience, TokenRejectReason.WrongAudience, MpTarget.Sts)]
    [InlineData(BadTokenCase.WrongIssuer, TokenRejectReason.WrongIssuer, MpTarget.TokenAuthRequest)]
    [InlineData(BadTokenCase.TenantNotOnboarded, TokenRejectReason.TenantNotOnboarded, MpTarget.Sts)]
    [InlineData(BadTokenCase.ExpiredCcmToken, TokenRejectReason.Expired, MpTarget.TokenAuthRequest)]
    [InlineData(BadTokenCase.BulkTokenPastItsLifetime, TokenRejectReason.Expired, MpTarget.Sts)]
    [InlineData(BadTokenCase.NotYetValid, TokenRejectReason.NotYetValid, MpTarget.TokenAuthRequest)]
    [InlineData(BadTokenCase.BadSignature, TokenRejectReason.BadSignature, MpTarget.SmsAut)]
    [InlineData(BadTokenCase.UnknownKid, TokenRejectReason.UnknownSigningKey, MpTarget.Sts)]
    [InlineData(BadTokenCase.BulkLifetimeTooLong, TokenRejectReason.LifetimeTooLong, MpTarget.Sts)]
    public async Task BadBearerToken_IsRefusedByTheCmg_AndNeverReachesTheMp(BadTokenCase badCase, TokenRejectReason reason, MpTarget target)
    {
        var authorization = await AuthorizationForAsync(badCase);
        var marker = MpIisLog.NewMarker();
        var since = fixture.Logs.Records.Count;
        using var request = CreateRequest(target, marker);
        if (authorization is not null)
        {
            Assert.True(request.Headers.TryAddWithoutValidation("Authorization", authorization));
        }

        using var response = await fixture.Cmg.SendAsync(request);

        TestLab.AssertCmgError(response, HttpStatusCode.Unauthorized, CmgErrorInfo.InvalidTokenCode);
        Assert.Equal("Bearer error=\"invalid_token\"", response.Headers.WwwAuthenticate.ToString());

        // The cloud service says why: its token validator and its request log both name the reason.
        var path = request.RequestUri!.AbsolutePath;
        await fixture.Logs.WaitForAsync(
            r => r.Category == CmTraceDefaults.CloudServiceCategory && r.Message.StartsWith($"Bearer token rejected ({reason})", StringComparison.Ordinal),
            LogTimeout,
            $"from the cloud service's token validator naming {reason}",
            since);
        await fixture.Logs.WaitForAsync(
            r => r.Category.StartsWith(CmTraceDefaults.CloudServiceCategory, StringComparison.Ordinal)
                && r.Message.Contains($"{path} from", StringComparison.Ordinal)
                && r.Message.Contains($"answered 401 {CmgErrorInfo.InvalidTokenCode}: bearer token rejected ({reason})", StringComparison.Ordinal),
            LogTimeout,
            $"from the cloud service refusing {path} because of {reason}",
            since);

        await MpIisLog.AssertNeverReachedAsync(fixture, marker);
    }

    [Fact]
    public async Task BlockedBulkToken_IsRefusedByTheCmgWithinTheBlockListRefresh_AndNeverReachesTheMp()
    {
        var lab = fixture.Lab;
        var bulk = lab.SiteTokens!.CreateBulkRegistrationToken();
        lab.BulkTokens!.Add(bulk);
        using (var accepted = await SendSmsAutAsync(bulk.Jwt, MpIisLog.NewMarker()))
        {
            Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        }

        var since = fixture.Logs.Records.Count;
        Assert.True(lab.BulkTokens.Block(bulk.TokenId));

        // The cloud service re-reads the blocked list about once a second; until then the token still passes.
        var started = TimeProvider.System.GetTimestamp();
        string marker;
        HttpResponseMessage refused;
        while (true)
        {
            marker = MpIisLog.NewMarker();
            var response = await SendSmsAutAsync(bulk.Jwt, marker);
            if (response.Headers.TryGetValues(CmgErrorInfo.ErrorCodeHeader, out var codes) && codes.Contains(CmgErrorInfo.InvalidTokenCode))
            {
                refused = response;
                break;
            }

            response.Dispose();
            Assert.True(TimeProvider.System.GetElapsedTime(started) < TimeSpan.FromSeconds(5), $"The CMG still accepts bulk token {bulk.TokenId} 5 s after it was blocked.");
            await Task.Delay(TimeSpan.FromMilliseconds(100), TimeProvider.System);
        }

        using (refused)
        {
            TestLab.AssertCmgError(refused, HttpStatusCode.Unauthorized, CmgErrorInfo.InvalidTokenCode);
        }

        await fixture.Logs.WaitForAsync(
            r => r.Category == CmTraceDefaults.CloudServiceCategory
                && r.Message.StartsWith($"Bearer token rejected ({TokenRejectReason.Blocked})", StringComparison.Ordinal)
                && r.Message.Contains(bulk.TokenId.ToString(), StringComparison.OrdinalIgnoreCase),
            LogTimeout,
            $"from the cloud service naming blocked token {bulk.TokenId}",
            since);
        await MpIisLog.AssertNeverReachedAsync(fixture, marker);
    }

    [Fact]
    public async Task ValidBearerToken_OnTheMutualAuthPathWithoutACertificate_Is403ClientCertificateRequired()
    {
        var lab = fixture.Lab;
        var marker = MpIisLog.NewMarker();
        var since = fixture.Logs.Records.Count;
        var path = TestLab.MpPath(lab, "/SMS_MP/.sms_aut");
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{path}?MPLIST&marker={marker}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", fixture.ProbeToken);

        using var response = await fixture.Cmg.SendAsync(request);

        TestLab.AssertCmgError(response, HttpStatusCode.Forbidden, CmgErrorInfo.ClientCertificateRequiredCode);
        await fixture.Logs.WaitForAsync(
            r => r.Category.StartsWith(CmTraceDefaults.CloudServiceCategory, StringComparison.Ordinal)
                && r.Message.Contains($"{path} from", StringComparison.Ordinal)
                && r.Message.Contains($"answered 403 {CmgErrorInfo.ClientCertificateRequiredCode}: client certificate rejected ({CertificateRejectReason.Missing})", StringComparison.Ordinal),
            LogTimeout,
            "from the cloud service refusing the MutualAuth request for want of a certificate",
            since);
        await MpIisLog.AssertNeverReachedAsync(fixture, marker);
    }

    [Fact]
    public async Task DeviceACcmToken_UsedByDeviceB_PassesTheCmg_IsRefusedByTheMp_AndBsMessageIsNotStored()
    {
        var lab = fixture.Lab;
        var devices = lab.Document.Entra!.Devices;
        using var sessionA = TopologyClientFactory.Create(lab.Document, 0, TimeProvider.System, auth: ClientAuthMethod.Entra);
        using var sessionB = TopologyClientFactory.Create(lab.Document, 1, TimeProvider.System, auth: ClientAuthMethod.Entra);
        await using var lifeA = new ClientLife(sessionA, lab.Pki.Clients[0].Name.ToUpperInvariant(), TimeProvider.System);
        await using var lifeB = new ClientLife(sessionB, lab.Pki.Clients[1].Name.ToUpperInvariant(), TimeProvider.System);

        var lives = await Task.WhenAll(lifeA.RunAsync(), lifeB.RunAsync());
        Assert.All(lives.SelectMany(static steps => steps), s => Assert.True(s.Succeeded, $"{s.Step} {s.Endpoint}: {s.Status} {s.Detail}"));
        var smsIdB = lifeB.Identity.SmsId!;
        var tokenA = await sessionA.Tokens!.GetCcmTokenAsync(CancellationToken.None);
        var tokenB = await sessionB.Tokens!.GetCcmTokenAsync(CancellationToken.None);

        // B signs a state message as itself (its SMSID, its key) but presents A's CCM token.
        var since = fixture.Logs.Records.Count;
        var forgedId = NewMessageId();
        using var refused = await PostStateMessageAsync(lifeB.Identity, forgedId, tokenA);

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal([CmgErrorInfo.InvalidTokenCode], refused.Headers.GetValues(CmgErrorInfo.ErrorCodeHeader));
        var line = await fixture.Logs.WaitForAsync(
            r => r.Category == CmTraceDefaults.StsCategory && r.Message.Contains(forgedId, StringComparison.Ordinal),
            LogTimeout,
            $"in CCM_STS.log refusing message {forgedId}",
            since);
        Assert.Contains(devices[0].DeviceId.ToString(), line.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(devices[1].DeviceId.ToString(), line.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(smsIdB, line.Message, StringComparison.OrdinalIgnoreCase);

        // The CMG and the connection point passed it (a valid CCM token): no CMG-side token refusal was logged.
        Assert.DoesNotContain(
            fixture.Logs.Records.Skip(since),
            r => (r.Category.StartsWith(CmTraceDefaults.CloudServiceCategory, StringComparison.Ordinal) || r.Category.StartsWith(CmTraceDefaults.ConnectionPointCategory, StringComparison.Ordinal))
                && (r.Message.Contains("rejected", StringComparison.OrdinalIgnoreCase) || r.Message.Contains("Token validation failed", StringComparison.Ordinal)));

        // The same message with B's own token is accepted and stored: only the token was wrong.
        var controlId = NewMessageId();
        using (var accepted = await PostStateMessageAsync(lifeB.Identity, controlId, tokenB))
        {
            Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
            Assert.NotEmpty(await accepted.Content.ReadAsByteArrayAsync());
        }

        Assert.Equal(1L, await SiteDatabase.ScalarAsync(lab, "SELECT COUNT(*) FROM RelayMessages WHERE MessageId = $id AND SmsId = $smsId", ("$id", controlId), ("$smsId", smsIdB)));
        Assert.Equal(0L, await SiteDatabase.ScalarAsync(lab, "SELECT COUNT(*) FROM RelayMessages WHERE MessageId = $id", ("$id", forgedId)));

        // The product's log file says it too.
        var stsLog = Path.Combine(lab.Layout.LogsDirectory, "CCM_STS.log");
        await TestLab.EventuallyAsync(
            () => Task.FromResult(ReadShared(stsLog).Split('\n').Any(l => l.Contains(forgedId, StringComparison.Ordinal)
                && l.Contains(devices[0].DeviceId.ToString(), StringComparison.OrdinalIgnoreCase)
                && l.Contains(devices[1].DeviceId.ToString(), StringComparison.OrdinalIgnoreCase))),
            LogTimeout,
            $"{stsLog} has the refusal of {forgedId} naming both devices");
    }

    private async Task<string?> AuthorizationForAsync(BadTokenCase badCase)
    {
        var lab = fixture.Lab;
        var now = TimeProvider.System.GetUtcNow();
        return badCase switch
        {
            BadTokenCase.NoToken => null,
            BadTokenCase.BearerWithoutToken => "Bearer",
            BadTokenCase.BasicScheme => "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("CONTOSO\\user1:P@ssw0rd!")),
            BadTokenCase.NotAJwt => "Bearer not.a.jwt",
            BadTokenCase.AlgNone => "Bearer " + Base64UrlEncoder.Encode("""{"alg":"none","typ":"JWT"}""") + "." + Base64UrlEncoder.Encode(BulkPayload(now).ToJsonString()) + ".",
            BadTokenCase.Hs256WithSitePublicKey => "Bearer " + MintHs256WithSitePublicKey(now),
            BadTokenCase.WrongAudience => "Bearer " + await AppTokenForTheClientAppAsync(),
            BadTokenCase.WrongIssuer => "Bearer " + SiteTokens(Guid.NewGuid(), TimeProvider.System).CreateBulkRegistrationToken().Jwt,
            BadTokenCase.TenantNotOnboarded => "Bearer " + await FabrikamDeviceTokenAsync(),
            BadTokenCase.ExpiredCcmToken => "Bearer " + SiteTokens(lab.HierarchyId, new FixedClock(now.AddHours(-9))).IssueCcmToken(new CcmTokenSubject
            {
                Type = CcmTokenType.Device,
                TenantId = lab.Document.Entra!.TenantId,
                EntraDeviceId = lab.Document.Entra.Devices[0].DeviceId,
            }).Jwt,
            BadTokenCase.BulkTokenPastItsLifetime => "Bearer " + SiteTokens(lab.HierarchyId, new FixedClock(now.AddHours(-1))).CreateBulkRegistrationToken(1).Jwt,
            BadTokenCase.NotYetValid => "Bearer " + SiteTokens(lab.HierarchyId, new FixedClock(now.AddHours(1))).CreateBulkRegistrationToken(60).Jwt,
            BadTokenCase.BadSignature => "Bearer " + TamperUniqueId(lab.SiteTokens!.CreateBulkRegistrationToken().Jwt),
            BadTokenCase.UnknownKid => "Bearer " + MintEntraWithUnknownKid(now),
            BadTokenCase.BulkLifetimeTooLong => "Bearer " + SiteTokens(lab.HierarchyId, TimeProvider.System, maxBulkLifetimeMinutes: 20160)
                .CreateBulkRegistrationToken(SiteTokenServiceOptions.ToolMaxBulkLifetimeMinutes + 1).Jwt,
            _ => throw new ArgumentOutOfRangeException(nameof(badCase), badCase, null),
        };
    }

    /// <summary>A second token service over the lab's real signing certificate, with its own hierarchy and clock.</summary>
    private SiteTokenService SiteTokens(Guid hierarchyId, TimeProvider clock, int maxBulkLifetimeMinutes = SiteTokenServiceOptions.ToolMaxBulkLifetimeMinutes) =>
        new(new SiteTokenServiceOptions { SigningCertificate = fixture.SiteSigningCertificate, HierarchyId = hierarchyId, MaxBulkLifetimeMinutes = maxBulkLifetimeMinutes }, clock);

    private JsonObject BulkPayload(DateTimeOffset now) => new()
    {
        ["iss"] = SiteTokenClaims.Issuer(fixture.Lab.HierarchyId),
        ["aud"] = SiteTokenClaims.Audience,
        ["nbf"] = now.AddMinutes(-1).ToUnixTimeSeconds(),
        ["exp"] = now.AddHours(1).ToUnixTimeSeconds(),
        [SiteTokenClaims.TokenCategory] = SiteTokenClaims.PreAuthCategory,
        [SiteTokenClaims.Type] = SiteTokenClaims.BulkRegistrationType,
        [SiteTokenClaims.UniqueId] = Guid.NewGuid().ToString(),
    };

    /// <summary>The classic key-confusion forgery: HMAC-SHA256 keyed with the public certificate anyone can read from topology.json.</summary>
    private string MintHs256WithSitePublicKey(DateTimeOffset now)
    {
        var pem = File.ReadAllText(fixture.Lab.Document.SiteTokens!.SigningCertificatePem);
        return _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = SiteTokenClaims.Issuer(fixture.Lab.HierarchyId),
            Audience = SiteTokenClaims.Audience,
            NotBefore = now.AddMinutes(-1).UtcDateTime,
            Expires = now.AddHours(1).UtcDateTime,
            Claims = new Dictionary<string, object>
            {
                [SiteTokenClaims.TokenCategory] = SiteTokenClaims.PreAuthCategory,
                [SiteTokenClaims.Type] = SiteTokenClaims.BulkRegistrationType,
                [SiteTokenClaims.UniqueId] = Guid.NewGuid().ToString(),
            },
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(pem)), SecurityAlgorithms.HmacSha256),
        });
    }

    /// <summary>
    /// A genuine token from the lab's Entra ID: the CMG server app's own client credentials, asking for the
    /// onboarded tenant's client app as the resource, so <c>aud</c> is the client app's id instead of
    /// <c>https://ConfigMgrService</c>. Issuer, kid and signature are all the onboarded tenant's.
    /// </summary>
    private async Task<string> AppTokenForTheClientAppAsync()
    {
        var entra = fixture.Lab.Document.Entra!;
        var client = new EntraTokenClient(fixture.Entra, new Uri(entra.Authority));
        var response = await client.AcquireAppTokenAsync(
            EntraLabDefaults.ContosoServerAppId, EntraLabDefaults.ServerAppSecret, entra.ClientAppId.ToString("D"), TimeProvider.System, CancellationToken.None);
        Assert.True(response.Succeeded, $"{response.Error}: {response.ErrorDescription}");
        Assert.Equal([entra.ClientAppId.ToString("D")], _handler.ReadJsonWebToken(response.AccessToken).Audiences);
        return response.AccessToken!;
    }

    /// <summary>A genuine device token of Fabrikam's joined device, from the same Entra host, for the CMG's resource.</summary>
    private async Task<string> FabrikamDeviceTokenAsync()
    {
        var entraHost = fixture.Lab.Entra!;
        var device = entraHost.Options.Tenants.Single(static t => t.TenantId == EntraLabDefaults.FabrikamTenantId).Devices.Single();
        using var wpj = entraHost.GetDeviceCertificate(EntraLabDefaults.FabrikamTenantId, device.DisplayName);
        var client = new EntraTokenClient(fixture.Entra, new Uri(entraHost.AuthorityFor(EntraLabDefaults.FabrikamTenantId)));
        var response = await client.AcquireDeviceTokenAsync(
            EntraLabDefaults.FabrikamClientAppId, EntraLabDefaults.ServerAppIdUri, device.DeviceId, wpj, TimeProvider.System, CancellationToken.None);
        Assert.True(response.Succeeded, $"{response.Error}: {response.ErrorDescription}");
        return response.AccessToken!;
    }

    /// <summary>An Entra device token of the onboarded tenant in every way but its key: a fresh RSA key under a kid the JWKS does not have.</summary>
    private string MintEntraWithUnknownKid(DateTimeOffset now)
    {
        var entraHost = fixture.Lab.Entra!;
        var tenant = fixture.Lab.Document.Entra!;
        using var rsa = RSA.Create(2048);
        return _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = entraHost.IssuerFor(tenant.TenantId),
            Audience = tenant.AppIdUri,
            IssuedAt = now.AddMinutes(-1).UtcDateTime,
            NotBefore = now.AddMinutes(-1).UtcDateTime,
            Expires = now.AddHours(1).UtcDateTime,
            Claims = new Dictionary<string, object>
            {
                ["tid"] = tenant.TenantId.ToString("D"),
                ["idtyp"] = EntraTokenProtocol.IdTypeDevice,
                ["deviceid"] = tenant.Devices[0].DeviceId.ToString("D"),
                ["oid"] = tenant.Devices[0].DeviceId.ToString("D"),
                ["appid"] = tenant.ClientAppId.ToString("D"),
                ["ver"] = "2.0",
            },
            SigningCredentials = new SigningCredentials(new RsaSecurityKey(rsa) { KeyId = "cmgsim-made-up-kid" }, SecurityAlgorithms.RsaSha256),
        });
    }

    /// <summary>A real, correctly signed token whose payload is changed afterwards (another UniqueId), signature kept.</summary>
    private static string TamperUniqueId(string jwt)
    {
        var parts = jwt.Split('.');
        var payload = JsonNode.Parse(Base64UrlEncoder.Decode(parts[1]))!.AsObject();
        payload[SiteTokenClaims.UniqueId] = Guid.NewGuid().ToString();
        return $"{parts[0]}.{Base64UrlEncoder.Encode(payload.ToJsonString())}.{parts[2]}";
    }

    private HttpRequestMessage CreateRequest(MpTarget target, string marker) => target switch
    {
        MpTarget.Sts => new HttpRequestMessage(HttpMethod.Post, fixture.ServerAuthMpPath($"/CCM_STS?marker={marker}")) { Content = new ByteArrayContent([]) },
        MpTarget.TokenAuthRequest => new HttpRequestMessage(new HttpMethod("CCM_POST"), fixture.ServerAuthMpPath($"/ccm_system_tokenauth/request?marker={marker}"))
        {
            Content = new ByteArrayContent("<Msg/>"u8.ToArray()),
        },
        MpTarget.SmsAut => new HttpRequestMessage(HttpMethod.Get, fixture.ServerAuthMpPath($"/SMS_MP/.sms_aut?MPLIST&marker={marker}")),
        _ => throw new ArgumentOutOfRangeException(nameof(target), target, null),
    };

    private async Task<HttpResponseMessage> SendSmsAutAsync(string bearer, string marker)
    {
        using var request = CreateRequest(MpTarget.SmsAut, marker);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        var response = await fixture.Cmg.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }

    private async Task<HttpResponseMessage> PostStateMessageAsync(ClientIdentity identity, string messageId, string ccmToken)
    {
        var now = TimeProvider.System.GetUtcNow();
        var body = InventoryReportBuilder.StateMessages(identity, now, [StateMessageBuilder.StateMessage(messageId, ClientLife.GenericStateTopicType, 0, 1, now, 4242)]);
        using var request = new HttpRequestMessage(new HttpMethod("CCM_POST"), fixture.ServerAuthMpPath(ClientSession.CcmSystemTokenAuthPath))
        {
            Content = new ByteArrayContent(InventoryReportBuilder.Sign(identity, InventoryReportBuilder.RelayEndpoint, body, messageId, now)),
        };
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue("ccmhttp", null));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ccmToken);
        request.Content.Headers.TryAddWithoutValidation("Content-Type", CcmMessageWriter.GetContentType());
        var response = await fixture.Cmg.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }

    private static string NewMessageId() => "{" + Guid.NewGuid().ToString().ToUpperInvariant() + "}";

    private static string ReadShared(string path)
    {
        if (!File.Exists(path))
        {
            return string.Empty;
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
