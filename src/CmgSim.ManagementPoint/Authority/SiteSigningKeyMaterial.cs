using CmgSim.Messaging.Signing;
using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;

namespace CmgSim.ManagementPoint.Authority;

/// <summary>
/// The site signing certificate and what the <c>.sms_aut</c> replies derive from it. Built once:
/// generating an RSA key per request would dominate the MP's latency.
/// </summary>
internal sealed class SiteSigningKeyMaterial
{
    private readonly Lazy<Material> _material;

    public SiteSigningKeyMaterial(IOptions<ManagementPointOptions> options, TimeProvider timeProvider)
    {
        var value = options.Value;
        _material = new Lazy<Material>(() => Build(value, timeProvider), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public X509Certificate2 Certificate => _material.Value.Certificate;

    /// <summary>Uppercase hex DER of the certificate (the text of <c>&lt;X509Certificate&gt;</c>).</summary>
    public string CertificateHex => _material.Value.CertificateHex;

    /// <summary>
    /// CryptoAPI-style signature (PKCS#1 v1.5 SHA-256, byte order reversed) of the DER bytes, or null
    /// when the configured certificate has no private key. What the product signs here is not public [I].
    /// </summary>
    public string? CertificateSignatureHex => _material.Value.CertificateSignatureHex;

    /// <summary>Uppercase hex CryptoAPI PUBLICKEYBLOB of the site key (the <c>TRUSTEDROOTKEY</c> text).</summary>
    public string TrustedRootKeyHex => _material.Value.TrustedRootKeyHex;

    /// <summary>Hex of a detached CMS SignedData over the blob bytes, or null without a private key.</summary>
    public string? TrustedRootKeySignatureHex => _material.Value.TrustedRootKeySignatureHex;

    private static Material Build(ManagementPointOptions options, TimeProvider timeProvider)
    {
        var certificate = options.SiteSigningCertificate ?? CreateSelfSigned(options.Fqdn, timeProvider);
        var der = certificate.RawData;
        var rsa = certificate.GetRSAPublicKey() ?? throw new InvalidOperationException("The site signing certificate has no RSA key.");
        var blob = CcmPublicKeyBlob.FromRsa(rsa);
        string? certificateSignature = null;
        string? blobSignature = null;
        using (var privateKey = certificate.GetRSAPrivateKey())
        {
            if (privateKey is not null)
            {
                var signature = privateKey.SignData(der, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
                Array.Reverse(signature);
                certificateSignature = Convert.ToHexString(signature);
                var cms = new SignedCms(new ContentInfo(blob), detached: true);
                cms.ComputeSignature(new CmsSigner(SubjectIdentifierType.IssuerAndSerialNumber, certificate) { IncludeOption = X509IncludeOption.EndCertOnly });
                blobSignature = Convert.ToHexString(cms.Encode());
            }
        }

        return new Material(certificate, Convert.ToHexString(der), certificateSignature, Convert.ToHexString(blob), blobSignature);
    }

    /// <summary>Same subject shape as the product's: CN "Site Server", DNS SAN = the server's FQDN.</summary>
    private static X509Certificate2 CreateSelfSigned(string fqdn, TimeProvider timeProvider)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=Site Server", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(fqdn);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, critical: true));
        var now = timeProvider.GetUtcNow();
        return request.CreateSelfSigned(now.AddDays(-1), now.AddYears(5));
    }

    private sealed record Material(
        X509Certificate2 Certificate,
        string CertificateHex,
        string? CertificateSignatureHex,
        string TrustedRootKeyHex,
        string? TrustedRootKeySignatureHex);
}
