using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CmgSim.Identity.SiteTokens;
using CmgSim.Identity.Tests.Tokens;
using Microsoft.Extensions.Time.Testing;

namespace CmgSim.Identity.Tests.SiteTokens;

public sealed class SiteTokenSigningCertificateTests : IDisposable
{
    private readonly string _directory = TokenTestKit.NewTempDirectory();
    private readonly FakeTimeProvider _time = new(TokenTestKit.Start);

    [Fact]
    public void Created_certificate_is_a_self_signed_rsa_2048_token_signing_certificate_valid_five_years()
    {
        using var certificate = SiteTokenSigningCertificate.LoadOrCreate(_directory, "PS1", _time);

        Assert.Equal("CN=SMS Token Signing Certificate, OU=PS1", certificate.Subject);
        Assert.Equal(certificate.Subject, certificate.Issuer);
        using var key = certificate.GetRSAPrivateKey();
        Assert.NotNull(key);
        Assert.Equal(2048, key.KeySize);
        Assert.Equal(TokenTestKit.Start.AddDays(-1).UtcDateTime, certificate.NotBefore.ToUniversalTime());
        Assert.Equal(TokenTestKit.Start.AddDays(-1 + (5 * 365)).UtcDateTime, certificate.NotAfter.ToUniversalTime());
        Assert.True(File.Exists(Path.Combine(_directory, "site-token-signing.pfx")));
        Assert.True(File.Exists(Path.Combine(_directory, "site-token-signing.pem")));
    }

    [Fact]
    public void Later_runs_reuse_the_certificate_and_its_key_signs()
    {
        using var first = SiteTokenSigningCertificate.LoadOrCreate(_directory, "PS1", _time);
        _time.Advance(TimeSpan.FromDays(400));
        using var second = SiteTokenSigningCertificate.LoadOrCreate(_directory, "PS1", _time);

        Assert.Equal(first.Thumbprint, second.Thumbprint);
        using var key = second.GetRSAPrivateKey()!;
        var data = "token"u8.ToArray();
        var signature = key.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var publicKey = first.GetRSAPublicKey()!;
        Assert.True(publicKey.VerifyData(data, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));

        using var pem = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(_directory, "site-token-signing.pem"));
        Assert.Equal(first.Thumbprint, pem.Thumbprint);
        Assert.False(pem.HasPrivateKey);
    }

    [Fact]
    public void Expired_or_unreadable_certificate_is_replaced()
    {
        using var first = SiteTokenSigningCertificate.LoadOrCreate(_directory, "PS1", _time);
        _time.Advance(TimeSpan.FromDays(6 * 365));
        using var renewed = SiteTokenSigningCertificate.LoadOrCreate(_directory, "PS1", _time);
        File.WriteAllText(Path.Combine(_directory, "site-token-signing.pfx"), "garbage");
        using var rewritten = SiteTokenSigningCertificate.LoadOrCreate(_directory, "PS1", _time);

        Assert.NotEqual(first.Thumbprint, renewed.Thumbprint);
        Assert.NotEqual(renewed.Thumbprint, rewritten.Thumbprint);
        Assert.True(rewritten.HasPrivateKey);
    }

    [Fact]
    public void Hierarchy_id_is_created_once_per_lab()
    {
        var id = SiteHierarchy.LoadOrCreateId(_directory);

        Assert.NotEqual(Guid.Empty, id);
        Assert.Equal(id, SiteHierarchy.LoadOrCreateId(_directory));
        Assert.Equal(id.ToString(), File.ReadAllText(Path.Combine(_directory, "hierarchy-id.txt")).Trim());
        Assert.NotEqual(id, SiteHierarchy.LoadOrCreateId(Path.Combine(_directory, "other-lab")));
    }

    public void Dispose() => TokenTestKit.TryDelete(_directory);
}
