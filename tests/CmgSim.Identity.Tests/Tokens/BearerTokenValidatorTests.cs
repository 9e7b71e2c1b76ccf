using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CmgSim.Identity.SiteTokens;
using CmgSim.Identity.Tokens;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Tokens;

namespace CmgSim.Identity.Tests.Tokens;

public sealed class BearerTokenValidatorTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    // ---- The Authorization header ----

    [Fact]
    public async Task No_header_is_Missing_and_logged_once()
    {
        using var kit = new TokenTestKit();

        var result = await kit.CreateValidator().ValidateAuthorizationAsync(null, None);

        Assert.False(result.IsValid);
        Assert.Equal(TokenRejectReason.Missing, result.Reason);
        var entry = Assert.Single(kit.Logger.Entries);
        Assert.Equal(LogLevel.Warning, entry.Level);
        Assert.Contains("Missing", entry.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("Bearer")]
    [InlineData("Basic dXNlcjpwYXNz")]
    [InlineData("Bearer abc def")]
    public async Task Header_that_is_not_Bearer_and_one_token_is_MalformedHeader(string header)
    {
        using var kit = new TokenTestKit();

        var result = await kit.CreateValidator().ValidateAuthorizationAsync(header, None);

        Assert.Equal(TokenRejectReason.MalformedHeader, result.Reason);
    }

    [Fact]
    public async Task Bearer_scheme_is_case_insensitive()
    {
        using var kit = new TokenTestKit();
        var token = kit.Service.IssueClientToken("GUID:5F0C1C3A-5E0B-4D1C-9C57-2A0F3E1D4B6A");

        var result = await kit.CreateValidator().ValidateAuthorizationAsync("bearer " + token.Jwt, None);

        Assert.True(result.IsValid, result.Detail);
    }

    [Theory]
    [InlineData("not-a-jwt")]
    [InlineData("abc.def.ghi")]
    public async Task Not_a_jwt_is_Malformed(string token)
    {
        using var kit = new TokenTestKit();

        var result = await kit.CreateValidator().ValidateAsync(token, None);

        Assert.Equal(TokenRejectReason.Malformed, result.Reason);
        Assert.StartsWith("IDX", result.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("[PII", result.Detail, StringComparison.Ordinal);
    }

    // ---- Algorithms ----

    [Fact]
    public async Task Alg_none_is_UnsupportedAlgorithm()
    {
        using var kit = new TokenTestKit();
        var real = kit.Service.CreateBulkRegistrationToken();
        var token = TokenTestKit.Raw("""{"typ":"JWT","alg":"none"}""", TokenTestKit.DecodeSegment(real.Jwt, 1));

        var result = await kit.CreateValidator().ValidateAsync(token, None);

        Assert.Equal(TokenRejectReason.UnsupportedAlgorithm, result.Reason);
        Assert.Contains("'none'", result.Detail);
    }

    [Fact]
    public async Task Hs256_signed_with_the_site_certificate_public_key_as_hmac_secret_is_UnsupportedAlgorithm()
    {
        using var kit = new TokenTestKit();

        // The classic key confusion: a verifier that lets the token pick the algorithm would use the public key as HMAC key.
        var validator = kit.CreateValidator();
        var x5t = new X509SecurityKey(kit.SiteCertificate).X5t;
        var payload = TokenTestKit.DecodeSegment(kit.Service.CreateBulkRegistrationToken().Jwt, 1);
        foreach (var secret in new[] { kit.SiteCertificate.RawData, kit.SiteCertificate.GetPublicKey(), System.Text.Encoding.ASCII.GetBytes(kit.SiteCertificate.ExportCertificatePem()) })
        {
            var unsigned = $"{Base64UrlEncoder.Encode($$"""{"typ":"JWT","alg":"HS256","x5t":"{{x5t}}"}""")}.{Base64UrlEncoder.Encode(payload)}";
            var token = $"{unsigned}.{Base64UrlEncoder.Encode(HMACSHA256.HashData(secret, System.Text.Encoding.ASCII.GetBytes(unsigned)))}";

            var result = await validator.ValidateAsync(token, None);

            Assert.Equal(TokenRejectReason.UnsupportedAlgorithm, result.Reason);
            Assert.Contains("HS256", result.Detail);
        }
    }

    // ---- Issuer and audience ----

    [Fact]
    public async Task Wrong_audience_is_WrongAudience_for_site_and_entra_tokens()
    {
        using var kit = new TokenTestKit();
        var validator = kit.CreateValidator();
        var site = kit.MintSite(TokenTestKit.BulkClaims(Guid.NewGuid()), TimeSpan.FromHours(1), audience: "urn:sccm:other");
        var entra = kit.MintEntra(new Dictionary<string, object> { ["idtyp"] = "app" }, audience: "api://someone-else");

        var siteResult = await validator.ValidateAsync(site, None);
        var entraResult = await validator.ValidateAsync(entra, None);

        Assert.Equal(TokenRejectReason.WrongAudience, siteResult.Reason);
        Assert.Contains("IDX10214", siteResult.Detail);
        Assert.Contains("urn:sccm:other", siteResult.Detail);
        Assert.Equal(TokenRejectReason.WrongAudience, entraResult.Reason);
        Assert.Contains("api://someone-else", entraResult.Detail);
    }

    [Theory]
    [InlineData("https://evil.example/issuer")]
    [InlineData("urn:sccm:oauth2:6f5d3c2b-1a09-4e8f-b7d6-c5b4a3928170")]
    [InlineData("")]
    public async Task Unknown_issuer_is_WrongIssuer(string issuer)
    {
        using var kit = new TokenTestKit();
        var token = kit.MintSite(TokenTestKit.BulkClaims(Guid.NewGuid()), TimeSpan.FromHours(1), issuer: issuer);

        var result = await kit.CreateValidator().ValidateAsync(token, None);

        Assert.Equal(TokenRejectReason.WrongIssuer, result.Reason);
    }

    [Fact]
    public async Task Site_tokens_are_WrongIssuer_where_no_site_certificate_is_configured()
    {
        using var kit = new TokenTestKit();
        var token = kit.Service.CreateBulkRegistrationToken();

        var result = await kit.CreateValidator(o => o.SiteTokenSigningCertificate = null).ValidateAsync(token.Jwt, None);

        Assert.Equal(TokenRejectReason.WrongIssuer, result.Reason);
    }

    [Theory]
    [InlineData("https://login.microsoftonline.com/{0}/v2.0")]
    [InlineData("https://sts.windows.net/{0}/")]
    [InlineData("https://127.0.0.1:44300/{0}/v2.0")]
    public async Task Entra_issuer_of_a_tenant_not_onboarded_is_TenantNotOnboarded(string issuerFormat)
    {
        using var kit = new TokenTestKit();
        var otherTenant = Guid.NewGuid();
        var token = kit.MintEntra(new Dictionary<string, object> { ["idtyp"] = "device" }, issuer: string.Format(System.Globalization.CultureInfo.InvariantCulture, issuerFormat, otherTenant));

        var result = await kit.CreateValidator().ValidateAsync(token, None);

        Assert.Equal(TokenRejectReason.TenantNotOnboarded, result.Reason);
        Assert.Contains(otherTenant.ToString(), result.Detail);
    }

    [Fact]
    public async Task Onboarded_tenant_under_another_issuer_is_WrongIssuer()
    {
        using var kit = new TokenTestKit();
        var token = kit.MintEntra(new Dictionary<string, object> { ["idtyp"] = "device" }, issuer: $"https://login.microsoftonline.com/{kit.TenantId}/v2.0");

        var result = await kit.CreateValidator().ValidateAsync(token, None);

        Assert.Equal(TokenRejectReason.WrongIssuer, result.Reason);
    }

    // ---- Lifetime, on the injected clock ----

    [Fact]
    public async Task Expired_client_token_is_Expired_with_IDX10223_after_the_clock_skew()
    {
        using var kit = new TokenTestKit();
        var validator = kit.CreateValidator(o => o.CacheCapacity = 0);
        var token = kit.Service.IssueClientToken("GUID:5F0C1C3A-5E0B-4D1C-9C57-2A0F3E1D4B6A");

        kit.Time.Advance(TimeSpan.FromDays(90) + TimeSpan.FromMinutes(1));
        var withinSkew = await validator.ValidateAsync(token.Jwt, None);
        kit.Time.Advance(TimeSpan.FromMinutes(2));
        var expired = await validator.ValidateAsync(token.Jwt, None);

        Assert.True(withinSkew.IsValid, withinSkew.Detail);
        Assert.Equal(TokenRejectReason.Expired, expired.Reason);
        Assert.StartsWith("IDX10223: Lifetime validation failed. The token is expired.", expired.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Token_from_the_future_is_NotYetValid_with_IDX10222()
    {
        using var kit = new TokenTestKit();
        var validator = kit.CreateValidator();
        var early = kit.MintSite(TokenTestKit.BulkClaims(Guid.NewGuid()), TimeSpan.FromHours(1), notBeforeOffset: TimeSpan.FromMinutes(10));
        var withinSkew = kit.MintSite(TokenTestKit.BulkClaims(Guid.NewGuid()), TimeSpan.FromHours(1), notBeforeOffset: TimeSpan.FromMinutes(1));

        var result = await validator.ValidateAsync(early, None);

        Assert.Equal(TokenRejectReason.NotYetValid, result.Reason);
        Assert.StartsWith("IDX10222: Lifetime validation failed. The token is not yet valid.", result.Detail, StringComparison.Ordinal);
        Assert.True((await validator.ValidateAsync(withinSkew, None)).IsValid);
    }

    [Fact]
    public async Task Bulk_token_past_its_lifetime_is_Expired()
    {
        using var kit = new TokenTestKit();
        var validator = kit.CreateValidator();
        var token = kit.Service.CreateBulkRegistrationToken(60);

        Assert.True((await validator.ValidateAsync(token.Jwt, None)).IsValid);
        kit.Time.Advance(TimeSpan.FromMinutes(63));
        var result = await validator.ValidateAsync(token.Jwt, None);

        Assert.Equal(TokenRejectReason.Expired, result.Reason);
        Assert.Contains("IDX10223", result.Detail);
    }

    [Fact]
    public async Task Bulk_token_with_a_20000_minute_lifetime_is_LifetimeTooLong()
    {
        using var kit = new TokenTestKit();
        var id = Guid.NewGuid();
        var token = kit.MintSite(TokenTestKit.BulkClaims(id), TimeSpan.FromMinutes(20000));

        var result = await kit.CreateValidator().ValidateAsync(token, None);

        Assert.Equal(TokenRejectReason.LifetimeTooLong, result.Reason);
        Assert.Equal(BearerTokenKind.BulkRegistration, result.Kind);
        Assert.Equal(id, result.TokenId);
        Assert.Contains("20000", result.Detail);
    }

    [Fact]
    public async Task Bulk_token_of_exactly_10080_minutes_is_valid()
    {
        using var kit = new TokenTestKit();

        var result = await kit.CreateValidator().ValidateAsync(kit.Service.CreateBulkRegistrationToken(10080).Jwt, None);

        Assert.True(result.IsValid, result.Detail);
    }

    // ---- Signatures and keys ----

    [Fact]
    public async Task Tampered_site_token_is_BadSignature()
    {
        using var kit = new TokenTestKit();
        var token = kit.Service.IssueClientToken("GUID:5F0C1C3A-5E0B-4D1C-9C57-2A0F3E1D4B6A");
        var parts = token.Jwt.Split('.');
        var payload = TokenTestKit.DecodeSegment(token.Jwt, 1).Replace("5F0C1C3A", "00000000", StringComparison.Ordinal);
        var tampered = $"{parts[0]}.{Base64UrlEncoder.Encode(payload)}.{parts[2]}";

        var result = await kit.CreateValidator().ValidateAsync(tampered, None);

        // Site tokens name their key by x5t only; IdentityModel words a bad signature of a kid-less token as IDX10517.
        Assert.True(result.Reason == TokenRejectReason.BadSignature, result.Detail);
        Assert.StartsWith("IDX10517: Signature validation failed.", result.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("[PII", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tampered_entra_token_is_BadSignature_with_IDX10511()
    {
        using var kit = new TokenTestKit();
        var token = kit.MintEntra(new Dictionary<string, object> { ["idtyp"] = "user", ["upn"] = "alice@contoso.com" });
        var parts = token.Split('.');
        var payload = TokenTestKit.DecodeSegment(token, 1).Replace("alice", "mallo", StringComparison.Ordinal);

        var result = await kit.CreateValidator().ValidateAsync($"{parts[0]}.{Base64UrlEncoder.Encode(payload)}.{parts[2]}", None);

        Assert.Equal(TokenRejectReason.BadSignature, result.Reason);
        Assert.Equal("IDX10511: Signature validation failed.", result.Detail);
    }

    [Fact]
    public async Task Entra_token_with_an_unknown_kid_is_UnknownSigningKey()
    {
        using var kit = new TokenTestKit();
        using var rsa = RSA.Create(2048);
        var token = kit.MintEntra(new Dictionary<string, object> { ["idtyp"] = "device" }, key: new RsaSecurityKey(rsa) { KeyId = "rolled-over-key" });

        var result = await kit.CreateValidator().ValidateAsync(token, None);

        Assert.Equal(TokenRejectReason.UnknownSigningKey, result.Reason);
        Assert.Contains("rolled-over-key", result.Detail);
    }

    [Fact]
    public async Task Entra_token_signed_by_another_key_under_the_tenant_kid_is_BadSignature()
    {
        using var kit = new TokenTestKit();
        using var rsa = RSA.Create(2048);
        var token = kit.MintEntra(new Dictionary<string, object> { ["idtyp"] = "device" }, key: new RsaSecurityKey(rsa) { KeyId = kit.EntraKey.KeyId });

        var result = await kit.CreateValidator().ValidateAsync(token, None);

        Assert.Equal(TokenRejectReason.BadSignature, result.Reason);
    }

    [Fact]
    public async Task Site_token_signed_by_another_certificate_is_UnknownSigningKey()
    {
        using var kit = new TokenTestKit();

        // What the product does after the SMS Token Signing Certificate is renewed: every earlier token fails.
        using var renewed = SiteTokenSigningCertificate.LoadOrCreate(kit.Root, "PS1", kit.Time);
        var token = kit.MintSite(TokenTestKit.BulkClaims(Guid.NewGuid()), TimeSpan.FromHours(1), certificate: renewed);

        var result = await kit.CreateValidator().ValidateAsync(token, None);

        Assert.Equal(TokenRejectReason.UnknownSigningKey, result.Reason);
        Assert.Contains("x5t", result.Detail);
    }

    // ---- Blocked bulk tokens ----

    [Fact]
    public async Task Blocked_bulk_token_is_Blocked_also_after_a_cache_hit()
    {
        using var kit = new TokenTestKit();
        var blockList = new FakeBlockList();
        var validator = kit.CreateValidator(o => o.BlockList = blockList);
        var token = kit.Service.CreateBulkRegistrationToken();

        var first = await validator.ValidateAsync(token.Jwt, None);
        var cached = await validator.ValidateAsync(token.Jwt, None);
        blockList.Blocked.Add(token.TokenId);
        var blocked = await validator.ValidateAsync(token.Jwt, None);
        blockList.Blocked.Clear();
        var unblocked = await validator.ValidateAsync(token.Jwt, None);

        Assert.True(first.IsValid, first.Detail);
        Assert.True(cached.IsValid);
        Assert.Equal(TokenRejectReason.Blocked, blocked.Reason);
        Assert.Equal(token.TokenId, blocked.TokenId);
        Assert.Contains(token.TokenId.ToString(), blocked.Detail);
        Assert.True(unblocked.IsValid);

        // Verified once, then served from the cache, with the block list asked every time.
        Assert.Single(kit.Logger.Entries, e => e.EventId.Id == 4102);
        Assert.Equal(4, blockList.Calls);
    }

    [Fact]
    public async Task Bulk_token_blocked_before_its_first_use_is_Blocked()
    {
        using var kit = new TokenTestKit();
        var blockList = new FakeBlockList();
        var token = kit.Service.CreateBulkRegistrationToken();
        blockList.Blocked.Add(token.TokenId);

        var result = await kit.CreateValidator(o => o.BlockList = blockList).ValidateAsync(token.Jwt, None);

        Assert.Equal(TokenRejectReason.Blocked, result.Reason);
    }

    [Fact]
    public async Task Block_in_the_site_database_takes_effect_within_the_refresh_interval()
    {
        using var kit = new TokenTestKit();
        var store = new BulkRegistrationTokenStore(Path.Combine(kit.Root, "site.db"), kit.Time);
        var validator = kit.CreateValidator(o => o.BlockList = new CachedBulkTokenBlockList(store, kit.Time));
        var token = kit.Service.CreateBulkRegistrationToken();
        store.Add(token);

        Assert.True((await validator.ValidateAsync(token.Jwt, None)).IsValid);

        // Another process (cmgsim token block) writes the block.
        Assert.True(new BulkRegistrationTokenStore(Path.Combine(kit.Root, "site.db"), kit.Time).Block(token.TokenId));
        var beforeRefresh = await validator.ValidateAsync(token.Jwt, None);
        kit.Time.Advance(TimeSpan.FromSeconds(1));
        var afterRefresh = await validator.ValidateAsync(token.Jwt, None);

        Assert.True(beforeRefresh.IsValid);
        Assert.Equal(TokenRejectReason.Blocked, afterRefresh.Reason);
    }

    // ---- Success for every kind ----

    [Fact]
    public async Task Bulk_registration_token_is_valid_with_its_tracking_guid()
    {
        using var kit = new TokenTestKit();
        var token = kit.Service.CreateBulkRegistrationToken();

        var result = await kit.CreateValidator().ValidateAuthorizationAsync("Bearer " + token.Jwt, None);

        Assert.True(result.IsValid, result.Detail);
        Assert.Null(result.Reason);
        Assert.Equal(BearerTokenKind.BulkRegistration, result.Kind);
        Assert.Equal(token.TokenId, result.TokenId);
        Assert.Equal(token.ValidTo, result.ValidTo);
    }

    [Fact]
    public async Task Client_token_is_valid_with_sms_id_and_device()
    {
        using var kit = new TokenTestKit();
        var device = Guid.NewGuid();
        var token = kit.Service.IssueClientToken("GUID:5F0C1C3A-5E0B-4D1C-9C57-2A0F3E1D4B6A", device);

        var result = await kit.CreateValidator().ValidateAsync(token.Jwt, None);

        Assert.True(result.IsValid, result.Detail);
        Assert.Equal(BearerTokenKind.ClientToken, result.Kind);
        Assert.Equal("GUID:5F0C1C3A-5E0B-4D1C-9C57-2A0F3E1D4B6A", result.SmsId);
        Assert.Equal(device, result.EntraDeviceId);
        Assert.Equal(token.TokenId, result.TokenId);
        Assert.Equal(kit.Time.GetUtcNow().AddDays(90), result.ValidTo);
    }

    [Fact]
    public async Task Ccm_token_is_valid_with_its_subject()
    {
        using var kit = new TokenTestKit();
        var subject = new CcmTokenSubject
        {
            Type = CcmTokenType.UDA,
            SmsId = "GUID:5F0C1C3A-5E0B-4D1C-9C57-2A0F3E1D4B6A",
            TenantId = kit.TenantId,
            EntraDeviceId = Guid.NewGuid(),
            UserObjectId = Guid.NewGuid(),
            UserPrincipalName = "alice@contoso.com",
        };
        var token = kit.Service.IssueCcmToken(subject);

        var result = await kit.CreateValidator().ValidateAsync(token.Jwt, None);

        Assert.True(result.IsValid, result.Detail);
        Assert.Equal(BearerTokenKind.CcmToken, result.Kind);
        Assert.Equal(CcmTokenType.UDA, result.CcmTokenType);
        Assert.Equal(subject.SmsId, result.SmsId);
        Assert.Equal(subject.TenantId, result.TenantId);
        Assert.Equal(subject.EntraDeviceId, result.EntraDeviceId);
        Assert.Equal(subject.UserObjectId, result.UserObjectId);
        Assert.Equal(subject.UserPrincipalName, result.UserPrincipalName);
        Assert.Equal(token.ValidTo, result.ValidTo);
    }

    [Fact]
    public async Task Entra_device_token_is_EntraDevice()
    {
        using var kit = new TokenTestKit();
        var device = Guid.NewGuid();
        var token = kit.MintEntra(new Dictionary<string, object> { ["idtyp"] = "device", ["deviceid"] = device.ToString(), ["oid"] = Guid.NewGuid().ToString() });

        var result = await kit.CreateValidator().ValidateAsync(token, None);

        Assert.True(result.IsValid, result.Detail);
        Assert.Equal(BearerTokenKind.EntraDevice, result.Kind);
        Assert.Equal(kit.TenantId, result.TenantId);
        Assert.Equal(device, result.EntraDeviceId);
        Assert.Null(result.UserObjectId);
    }

    [Fact]
    public async Task Entra_user_token_with_device_is_EntraUser_with_both()
    {
        using var kit = new TokenTestKit();
        var (device, user) = (Guid.NewGuid(), Guid.NewGuid());
        var token = kit.MintEntra(new Dictionary<string, object>
        {
            ["idtyp"] = "user",
            ["oid"] = user.ToString(),
            ["upn"] = "alice@contoso.com",
            ["scp"] = "user_impersonation",
            ["deviceid"] = device.ToString(),
            ["onprem_sid"] = "S-1-5-21-1004336348-1177238915-682003330-1105",
        });

        var result = await kit.CreateValidator().ValidateAsync(token, None);

        Assert.True(result.IsValid, result.Detail);
        Assert.Equal(BearerTokenKind.EntraUser, result.Kind);
        Assert.Equal(user, result.UserObjectId);
        Assert.Equal(device, result.EntraDeviceId);
        Assert.Equal("alice@contoso.com", result.UserPrincipalName);
        Assert.Equal("S-1-5-21-1004336348-1177238915-682003330-1105", result.OnPremisesSid);
    }

    [Fact]
    public async Task Entra_user_token_without_idtyp_or_device_is_EntraUser()
    {
        using var kit = new TokenTestKit();
        var token = kit.MintEntra(new Dictionary<string, object> { ["oid"] = Guid.NewGuid().ToString(), ["upn"] = "bob@contoso.com", ["scp"] = "user_impersonation" });

        var result = await kit.CreateValidator().ValidateAsync(token, None);

        Assert.True(result.IsValid, result.Detail);
        Assert.Equal(BearerTokenKind.EntraUser, result.Kind);
        Assert.Null(result.EntraDeviceId);
    }

    [Fact]
    public async Task Entra_app_token_is_EntraApplication()
    {
        using var kit = new TokenTestKit();
        var token = kit.MintEntra(new Dictionary<string, object> { ["idtyp"] = "app", ["oid"] = Guid.NewGuid().ToString(), ["azp"] = Guid.NewGuid().ToString() });

        var result = await kit.CreateValidator().ValidateAsync(token, None);

        Assert.True(result.IsValid, result.Detail);
        Assert.Equal(BearerTokenKind.EntraApplication, result.Kind);
        Assert.Null(result.UserObjectId);
    }

    [Fact]
    public async Task Entra_token_whose_tid_is_another_tenant_is_WrongIssuer()
    {
        using var kit = new TokenTestKit();
        var token = kit.MintEntra(new Dictionary<string, object> { ["idtyp"] = "app" });
        var parts = token.Split('.');

        // Re-signed with the tenant key so only the tid differs.
        var payload = TokenTestKit.DecodeSegment(token, 1).Replace($"\"tid\":\"{kit.TenantId}\"", $"\"tid\":\"{Guid.NewGuid()}\"", StringComparison.Ordinal);
        var header = TokenTestKit.DecodeSegment(token, 0);
        var unsigned = $"{Base64UrlEncoder.Encode(header)}.{Base64UrlEncoder.Encode(payload)}";
        var signature = kit.EntraKey.Rsa.SignData(System.Text.Encoding.ASCII.GetBytes(unsigned), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        Assert.NotEqual(parts[1], Base64UrlEncoder.Encode(payload));

        var result = await kit.CreateValidator().ValidateAsync($"{unsigned}.{Base64UrlEncoder.Encode(signature)}", None);

        Assert.Equal(TokenRejectReason.WrongIssuer, result.Reason);
    }

    // ---- Kinds a caller does not take ----

    [Fact]
    public async Task Valid_token_of_a_kind_not_accepted_is_NotAccepted()
    {
        using var kit = new TokenTestKit();
        var validator = kit.CreateValidator(o => o.AcceptedKinds = new HashSet<BearerTokenKind> { BearerTokenKind.CcmToken });
        var entra = kit.MintEntra(new Dictionary<string, object> { ["idtyp"] = "device", ["deviceid"] = Guid.NewGuid().ToString() });
        var ccm = kit.Service.IssueCcmToken(new CcmTokenSubject { Type = CcmTokenType.Device });

        var refused = await validator.ValidateAsync(entra, None);
        var accepted = await validator.ValidateAsync(ccm.Jwt, None);

        Assert.Equal(TokenRejectReason.NotAccepted, refused.Reason);
        Assert.Equal(BearerTokenKind.EntraDevice, refused.Kind);
        Assert.True(accepted.IsValid, accepted.Detail);
    }

    [Fact]
    public async Task RequireKind_turns_a_valid_result_of_another_kind_into_NotAccepted()
    {
        using var kit = new TokenTestKit();
        var result = await kit.CreateValidator().ValidateAsync(kit.Service.CreateBulkRegistrationToken().Jwt, None);

        var refused = result.RequireKind(BearerTokenKind.CcmToken, BearerTokenKind.ClientToken);

        Assert.Equal(TokenRejectReason.NotAccepted, refused.Reason);
        Assert.Same(result, result.RequireKind(BearerTokenKind.BulkRegistration));
    }

    // ---- The cache ----

    [Fact]
    public async Task Cached_token_is_verified_once_and_refused_once_expired()
    {
        using var kit = new TokenTestKit();
        var validator = kit.CreateValidator();
        var token = kit.Service.IssueCcmToken(new CcmTokenSubject { Type = CcmTokenType.Device, SmsId = "GUID:5F0C1C3A-5E0B-4D1C-9C57-2A0F3E1D4B6A" });

        for (var i = 0; i < 5; i++)
        {
            Assert.True((await validator.ValidateAsync(token.Jwt, None)).IsValid);
        }

        kit.Time.Advance(TimeSpan.FromHours(8) + TimeSpan.FromMinutes(3));
        var expired = await validator.ValidateAsync(token.Jwt, None);

        Assert.Single(kit.Logger.Entries, e => e.EventId.Id == 4102);
        Assert.Equal(TokenRejectReason.Expired, expired.Reason);
    }

    [Fact]
    public void Cache_stays_within_its_capacity()
    {
        var cache = new ValidatedTokenCache(100);
        var now = TokenTestKit.Start;
        for (var i = 0; i < 1000; i++)
        {
            cache.Add("token-" + i, BearerTokenValidationResult.Valid(BearerTokenKind.CcmToken, now.AddHours(1)), now);
        }

        Assert.InRange(cache.Count, 1, 100);
        Assert.True(cache.TryGet("token-999", now, out _));
        Assert.False(cache.TryGet("token-999", now.AddHours(1), out _));
    }

    // ---- Logging ----

    [Fact]
    public async Task Rejection_is_logged_once_with_reason_and_without_the_token()
    {
        using var kit = new TokenTestKit();
        var token = kit.Service.CreateBulkRegistrationToken(60);
        kit.Time.Advance(TimeSpan.FromHours(2));

        await kit.CreateValidator().ValidateAsync(token.Jwt, None);

        var entry = Assert.Single(kit.Logger.Entries, e => e.Level == LogLevel.Warning);
        Assert.Contains("(Expired)", entry.Message);
        Assert.Contains("IDX10223", entry.Message);
        Assert.DoesNotContain(token.Jwt.Split('.')[1], entry.Message);
        Assert.DoesNotContain(token.Jwt.Split('.')[2], entry.Message);
    }

    [Fact]
    public void Tenant_without_metadata_or_keys_is_refused_at_construction()
    {
        using var kit = new TokenTestKit();

        Assert.Throws<ArgumentException>(() => kit.CreateValidator(o => o.Tenants = [new OnboardedTenant { TenantId = Guid.NewGuid(), Issuer = "https://x/y/v2.0" }]));
    }

    [Fact]
    public async Task Validator_keeps_its_own_copy_of_the_site_certificate()
    {
        using var kit = new TokenTestKit();
        var copy = X509CertificateLoader.LoadCertificate(kit.SiteCertificate.RawData);
        var validator = kit.CreateValidator(o => o.SiteTokenSigningCertificate = copy);
        copy.Dispose();

        Assert.True((await validator.ValidateAsync(kit.Service.CreateBulkRegistrationToken().Jwt, None)).IsValid);
    }
}
