using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CmgSim.Identity.Pki;

namespace CmgSim.Identity.SiteTokens;

/// <summary>
/// The site's "SMS Token Signing Certificate" (cmg-facts §2.4): the self-signed RSA certificate whose key signs bulk
/// registration tokens, client tokens and CCM tokens. Kept as <c>site-token-signing.pfx</c> (with key, no password)
/// and <c>site-token-signing.pem</c> (public part) in the lab's PKI folder, and reused on later runs, because a new
/// certificate invalidates every token already issued (as renewing it does in the product).
/// </summary>
public static class SiteTokenSigningCertificate
{
    public const string PfxFileName = "site-token-signing.pfx";
    public const string PemFileName = "site-token-signing.pem";

    private static readonly TimeSpan Validity = TimeSpan.FromDays(5 * 365);

    /// <summary>Loads the certificate (with its private key) or creates it when missing, unreadable or outside its validity.</summary>
    public static X509Certificate2 LoadOrCreate(string pkiDirectory, string siteCode, TimeProvider timeProvider)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pkiDirectory);
        ArgumentException.ThrowIfNullOrWhiteSpace(siteCode);
        ArgumentNullException.ThrowIfNull(timeProvider);

        var directory = Path.GetFullPath(pkiDirectory);
        Directory.CreateDirectory(directory);
        var pfxPath = Path.Combine(directory, PfxFileName);
        var pemPath = Path.Combine(directory, PemFileName);

        // The same lock as the lab PKI: `cmgsim token new` and `cmgsim up` may start together.
        using var fileLock = LabPkiFiles.AcquireLock(directory);
        var now = timeProvider.GetUtcNow();
        if (TryLoad(pfxPath, now) is { } existing)
        {
            if (!File.Exists(pemPath))
            {
                LabPkiFiles.WriteAtomic(pemPath, existing.ExportCertificatePem() + "\n");
            }

            return existing;
        }

        using var key = RSA.Create(2048);
        var request = new CertificateRequest(
            new X500DistinguishedName($"CN=SMS Token Signing Certificate, OU={siteCode}"), key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var notBefore = now - TimeSpan.FromDays(1);
        using var created = request.CreateSelfSigned(notBefore, notBefore + Validity);

        var pfx = created.ExportPkcs12(Pkcs12ExportPbeParameters.Pbes2Aes256Sha256, null);
        LabPkiFiles.WriteAtomic(pfxPath, pfx, secret: true);
        LabPkiFiles.WriteAtomic(pemPath, created.ExportCertificatePem() + "\n");

        // Reloaded from the PKCS#12 bytes so the key is a regular one on every platform, as the file load gives.
        return X509CertificateLoader.LoadPkcs12(pfx, null);
    }

    private static X509Certificate2? TryLoad(string pfxPath, DateTimeOffset now)
    {
        if (!File.Exists(pfxPath))
        {
            return null;
        }

        X509Certificate2? certificate = null;
        try
        {
            certificate = X509CertificateLoader.LoadPkcs12FromFile(pfxPath, null);
            using var rsa = certificate.GetRSAPrivateKey();
            if (rsa is not null
                && certificate.NotBefore.ToUniversalTime() <= now.UtcDateTime
                && certificate.NotAfter.ToUniversalTime() > now.UtcDateTime)
            {
                return certificate;
            }
        }
        catch (Exception ex) when (ex is IOException or CryptographicException or UnauthorizedAccessException)
        {
            // Unreadable: a new certificate is written below.
        }

        certificate?.Dispose();
        return null;
    }
}
