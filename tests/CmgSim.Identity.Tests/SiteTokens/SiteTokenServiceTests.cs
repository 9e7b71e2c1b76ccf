using System.Security.Cryptography;
using System.Text.Json;
using CmgSim.Identity.SiteTokens;
using CmgSim.Identity.Tests.Tokens;
using Microsoft.IdentityModel.Tokens;

namespace CmgSim.Identity.Tests.SiteTokens;

public sealed class SiteTokenServiceTests
{
    [Fact]
    public void Bulk_token_has_the_products_header_and_claims()
    {
        using var kit = new TokenTestKit();

        var token = kit.Service.CreateBulkRegistrationToken();

        using var header = JsonDocument.Parse(TokenTestKit.DecodeSegment(token.Jwt, 0));
        Assert.Equal("JWT", header.RootElement.GetProperty("typ").GetString());
        Assert.Equal("RS256", header.RootElement.GetProperty("alg").GetString());
        Assert.Equal(Base64UrlEncoder.Encode(SHA1.HashData(kit.SiteCertificate.RawData)), header.RootElement.GetProperty("x5t").GetString());
        Assert.False(header.RootElement.TryGetProperty("kid", out _));

        using var payload = JsonDocument.Parse(TokenTestKit.DecodeSegment(token.Jwt, 1));
        var claims = payload.RootElement;
        Assert.Equal("SCCMPreAuthToken", claims.GetProperty("SCCMTokenCategory").GetString());
        Assert.Equal("SCCM", claims.GetProperty("Authority").GetString());
        Assert.Equal("SCCM", claims.GetProperty("License").GetString());
        Assert.Equal("BulkRegistration", claims.GetProperty("Type").GetString());
        Assert.Equal(kit.HierarchyId.ToString().ToUpperInvariant(), claims.GetProperty("TenantId").GetString());
        Assert.Equal(token.TokenId, Guid.Parse(claims.GetProperty("UniqueId").GetString()!));
        Assert.Equal("urn:sccm:oauth2:" + kit.HierarchyId.ToString().ToLowerInvariant(), claims.GetProperty("iss").GetString());
        Assert.Equal("urn:sccm:service", claims.GetProperty("aud").GetString());
        Assert.Equal(TokenTestKit.Start.ToUnixTimeSeconds(), claims.GetProperty("nbf").GetInt64());
        Assert.Equal(259_200, claims.GetProperty("exp").GetInt64() - claims.GetProperty("nbf").GetInt64());
        Assert.False(claims.TryGetProperty("iat", out _));

        Assert.Equal(TokenTestKit.Start, token.ValidFrom);
        Assert.Equal(TokenTestKit.Start.AddMinutes(4320), token.ValidTo);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(60)]
    [InlineData(10080)]
    public void Bulk_token_lifetime_is_what_was_asked(int minutes)
    {
        using var kit = new TokenTestKit();

        var token = kit.Service.CreateBulkRegistrationToken(minutes);

        Assert.Equal(TimeSpan.FromMinutes(minutes), token.ValidTo - token.ValidFrom);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    [InlineData(10081)]
    [InlineData(20000)]
    public void Bulk_token_lifetime_outside_1_to_10080_minutes_is_refused(int minutes)
    {
        using var kit = new TokenTestKit();

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => kit.Service.CreateBulkRegistrationToken(minutes));

        Assert.Contains("between 1 and 10080 minutes", error.Message);
    }

    [Fact]
    public void Validity_is_in_whole_seconds_of_the_injected_clock()
    {
        using var kit = new TokenTestKit();
        kit.Time.Advance(TimeSpan.FromMilliseconds(1500));

        var token = kit.Service.CreateBulkRegistrationToken();

        Assert.Equal(TokenTestKit.Start.AddSeconds(1), token.ValidFrom);
    }

    [Fact]
    public void Client_token_is_a_90_day_token_of_the_client()
    {
        using var kit = new TokenTestKit();
        var device = Guid.NewGuid();

        var token = kit.Service.IssueClientToken("GUID:5F0C1C3A-5E0B-4D1C-9C57-2A0F3E1D4B6A", device);

        Assert.Equal("ClientToken", token.Kind);
        Assert.Equal(TimeSpan.FromDays(90), token.ValidTo - token.ValidFrom);
        using var payload = JsonDocument.Parse(TokenTestKit.DecodeSegment(token.Jwt, 1));
        var claims = payload.RootElement;
        Assert.Equal("SCCMClientToken", claims.GetProperty("SCCMTokenCategory").GetString());
        Assert.Equal("ClientToken", claims.GetProperty("Type").GetString());
        Assert.Equal("GUID:5F0C1C3A-5E0B-4D1C-9C57-2A0F3E1D4B6A", claims.GetProperty("SMSID").GetString());
        Assert.Equal(device.ToString(), claims.GetProperty("deviceid").GetString());
        Assert.Equal(token.TokenId.ToString(), claims.GetProperty("UniqueId").GetString());
        Assert.Equal("urn:sccm:service", claims.GetProperty("aud").GetString());
    }

    [Fact]
    public void Ccm_token_is_an_8_hour_token_with_type_hierarchy_user_and_device()
    {
        using var kit = new TokenTestKit();
        var subject = new CcmTokenSubject
        {
            Type = CcmTokenType.Device,
            SmsId = "GUID:5F0C1C3A-5E0B-4D1C-9C57-2A0F3E1D4B6A",
            TenantId = Guid.NewGuid(),
            EntraDeviceId = Guid.NewGuid(),
        };

        var token = kit.Service.IssueCcmToken(subject);

        Assert.Equal("CcmToken", token.Kind);
        Assert.Equal(TimeSpan.FromHours(8), token.ValidTo - token.ValidFrom);
        using var payload = JsonDocument.Parse(TokenTestKit.DecodeSegment(token.Jwt, 1));
        var claims = payload.RootElement;
        Assert.Equal("SCCMAccessToken", claims.GetProperty("SCCMTokenCategory").GetString());
        Assert.Equal("CcmToken", claims.GetProperty("Type").GetString());
        Assert.Equal("Device", claims.GetProperty("TokenType").GetString());
        Assert.Equal(kit.HierarchyId.ToString(), claims.GetProperty("hierarchyId").GetString());
        Assert.Equal(subject.TenantId.ToString(), claims.GetProperty("tid").GetString());
        Assert.Equal(subject.EntraDeviceId.ToString(), claims.GetProperty("deviceid").GetString());
        Assert.False(claims.TryGetProperty("userid", out _));
        Assert.False(claims.TryGetProperty("upn", out _));
    }

    [Fact]
    public void Certificate_without_private_key_is_refused()
    {
        using var kit = new TokenTestKit();
        using var publicOnly = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(kit.SiteCertificate.RawData);

        Assert.Throws<ArgumentException>(() => new SiteTokenService(new SiteTokenServiceOptions { SigningCertificate = publicOnly, HierarchyId = Guid.NewGuid() }, kit.Time));
    }
}
