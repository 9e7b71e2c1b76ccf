using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CmgSim.ManagementPoint.LocationManager;
using Microsoft.Extensions.Options;

namespace CmgSim.ManagementPoint.Authority;

/// <summary>
/// The "SMS Issuing" root the site uses for its own role certificates (E-HTTP, cmg-facts §2.8), as
/// <c>SMSTRC</c> returns it. Built once per MP: key generation would dominate a request.
/// </summary>
internal sealed class SmsIssuingKeyMaterial
{
    /// <summary>CALG_SHA_256, the <c>AlgID</c> of the capture.</summary>
    public const int AlgorithmId = 32780;

    /// <summary>sha256RSA, the text of <c>SignatureAlgorithm</c> in the capture.</summary>
    public const string AlgorithmOid = "1.2.840.113549.1.1.11";

    private readonly Lazy<Material> _material;

    public SmsIssuingKeyMaterial(IOptions<LocationOptions> options, SiteSigningKeyMaterial siteKeys, TimeProvider timeProvider)
    {
        var configured = options.Value.SmsIssuingCertificate;
        _material = new Lazy<Material>(() => Build(configured, siteKeys, timeProvider), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public X509Certificate2 Certificate => _material.Value.Certificate;

    /// <summary>Uppercase hex DER (the text of <c>&lt;Cert&gt;</c>).</summary>
    public string CertificateHex => _material.Value.CertificateHex;

    /// <summary>
    /// The site signing key's signature over the certificates' DER bytes (PKCS#1 v1.5 SHA-256, CryptoAPI
    /// byte order), or null without a site private key. What exactly the product signs is not public [U].
    /// </summary>
    public string? SignatureHex => _material.Value.SignatureHex;

    private static Material Build(X509Certificate2? configured, SiteSigningKeyMaterial siteKeys, TimeProvider timeProvider)
    {
        var certificate = configured ?? CreateRoot(timeProvider);
        string? signature = null;
        using (var siteKey = siteKeys.Certificate.GetRSAPrivateKey())
        {
            if (siteKey is not null)
            {
                var bytes = siteKey.SignData(certificate.RawData, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
                Array.Reverse(bytes);
                signature = Convert.ToHexString(bytes);
            }
        }

        return new Material(certificate, Convert.ToHexString(certificate.RawData), signature);
    }

    private static X509Certificate2 CreateRoot(TimeProvider timeProvider)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=SMS Issuing", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        var now = timeProvider.GetUtcNow();
        return request.CreateSelfSigned(now.AddDays(-1), now.AddYears(100));
    }

    private sealed record Material(X509Certificate2 Certificate, string CertificateHex, string? SignatureHex);
}
