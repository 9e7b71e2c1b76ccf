using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CmgSim.Identity.Pki;
using Microsoft.IdentityModel.Tokens;

namespace CmgSim.Identity.Entra;

/// <summary>Self-signed RSA certificates kept as password-less PFX files, for the signing keys and the WPJ certificates.</summary>
internal static class EntraKeyFiles
{
    private const string ClientAuthOid = "1.3.6.1.5.5.7.3.2";

    // Backdated so small clock differences between lab processes do not matter.
    private static readonly TimeSpan Backdate = TimeSpan.FromHours(1);

    /// <summary>A self-signed RSA-2048 certificate with its key, valid from <paramref name="now"/> − 1 h for <paramref name="lifetime"/>.</summary>
    public static X509Certificate2 CreateSelfSigned(string commonName, DateTimeOffset now, TimeSpan lifetime, bool clientAuth)
    {
        using var key = RSA.Create(2048);
        var subject = LabCertificateFactory.CommonNameOnly(commonName);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        if (clientAuth)
        {
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(ClientAuthOid)], false));
        }

        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        using var created = request.CreateSelfSigned(now - Backdate, now + lifetime);
        return RoundTrip(created);
    }

    /// <summary>The certificate and key in <paramref name="path"/>, or <see langword="null"/> when missing or unreadable.</summary>
    public static X509Certificate2? TryLoad(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            var certificate = X509CertificateLoader.LoadPkcs12FromFile(path, null);
            if (certificate.GetRSAPrivateKey() is { } key)
            {
                key.Dispose();
                return certificate;
            }

            certificate.Dispose();
            return null;
        }
        catch (Exception ex) when (ex is IOException or CryptographicException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public static void Write(string path, X509Certificate2 certificate) =>
        LabPkiFiles.WriteAtomic(path, ExportPfx(certificate), secret: true);

    public static byte[] ExportPfx(X509Certificate2 certificate) =>
        certificate.ExportPkcs12(Pkcs12ExportPbeParameters.Pbes2Aes256Sha256, null);

    public static bool IsUsable(X509Certificate2 certificate, DateTimeOffset now) =>
        certificate.NotBefore.ToUniversalTime() <= now.UtcDateTime && certificate.NotAfter.ToUniversalTime() > now.UtcDateTime;

    /// <summary>Base64url SHA-1 thumbprint: the JOSE <c>x5t</c> header, and Entra's <c>kid</c>.</summary>
    public static string X5t(X509Certificate2 certificate) => Base64UrlEncoder.Encode(certificate.GetCertHash());

    public static X509Certificate2 PublicOnly(X509Certificate2 certificate) => X509CertificateLoader.LoadCertificate(certificate.RawData);

    /// <summary>Through PKCS#12 so the key is a regular one on every platform (CreateSelfSigned's is ephemeral on Windows).</summary>
    private static X509Certificate2 RoundTrip(X509Certificate2 certificate) =>
        X509CertificateLoader.LoadPkcs12(ExportPfx(certificate), null);
}
