using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CmgSim.Identity.Pki;

/// <summary>What goes into a leaf certificate; also used to decide whether a file on disk can be reused.</summary>
internal sealed record LeafProfile(
    string CommonName,
    IReadOnlyList<string> DnsNames,
    IReadOnlyList<IPAddress> IpAddresses,
    bool ClientAuth,
    bool ServerAuth)
{
    public X500DistinguishedName Subject => LabCertificateFactory.CommonNameOnly(CommonName);
}

/// <summary>Builds the lab certificates with <see cref="CertificateRequest"/>.</summary>
internal static class LabCertificateFactory
{
    public const string ServerAuthOid = "1.3.6.1.5.5.7.3.1";
    public const string ClientAuthOid = "1.3.6.1.5.5.7.3.2";
    public const string RootCaName = "CmgSim Lab Root CA";
    public const string IssuingCaName = "CmgSim Lab Issuing CA";
    public const string SiteSigningName = "Site Server";

    public static X509Certificate2 CreateRootCa(string commonName, AsymmetricAlgorithm key, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        var subject = CommonNameOnly(commonName);
        var request = LabKeys.CreateRequest(subject, key);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(
            X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, true));
        var ski = new X509SubjectKeyIdentifierExtension(request.PublicKey, false);
        request.CertificateExtensions.Add(ski);
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(ski));
        using var publicOnly = request.Create(subject, LabKeys.CreateGenerator(key), notBefore, notAfter, NewSerial());
        return LabKeys.CopyWithPrivateKey(publicOnly, key);
    }

    public static X509Certificate2 CreateIssuingCa(
        string commonName, X509Certificate2 root, AsymmetricAlgorithm rootKey, AsymmetricAlgorithm key,
        DateTimeOffset notBefore, DateTimeOffset notAfter, string? crlUrl)
    {
        var subject = CommonNameOnly(commonName);
        var request = LabKeys.CreateRequest(subject, key);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(
            X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(root, true, false));
        AddCrlDistributionPoint(request, crlUrl);
        using var publicOnly = request.Create(root.SubjectName, LabKeys.CreateGenerator(rootKey), notBefore, notAfter, NewSerial());
        return LabKeys.CopyWithPrivateKey(publicOnly, key);
    }

    /// <summary>
    /// Signs with the issuer's generator rather than <c>Create(issuerCertificate, ...)</c>, which refuses validity
    /// outside the issuer's: tests need expired and not-yet-valid leaves.
    /// </summary>
    public static X509Certificate2 CreateLeaf(
        LeafProfile profile, X509Certificate2 issuer, AsymmetricAlgorithm issuerKey, AsymmetricAlgorithm key,
        DateTimeOffset notBefore, DateTimeOffset notAfter, string? crlUrl)
    {
        var request = LabKeys.CreateRequest(profile.Subject, key);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));

        // Workstation/Web Server templates use digitalSignature|keyEncipherment (a0); keyEncipherment
        // means nothing for an EC key, so ECDSA leaves get digitalSignature only.
        var usage = key is RSA
            ? X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment
            : X509KeyUsageFlags.DigitalSignature;
        request.CertificateExtensions.Add(new X509KeyUsageExtension(usage, true));

        var ekus = new OidCollection();
        if (profile.ServerAuth)
        {
            ekus.Add(new Oid(ServerAuthOid));
        }

        if (profile.ClientAuth)
        {
            ekus.Add(new Oid(ClientAuthOid));
        }

        if (ekus.Count > 0)
        {
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(ekus, false));
        }

        if (profile.DnsNames.Count > 0 || profile.IpAddresses.Count > 0)
        {
            var san = new SubjectAlternativeNameBuilder();
            foreach (var dns in profile.DnsNames)
            {
                san.AddDnsName(dns);
            }

            foreach (var ip in profile.IpAddresses)
            {
                san.AddIpAddress(ip);
            }

            request.CertificateExtensions.Add(san.Build());
        }

        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
        AddCrlDistributionPoint(request, crlUrl);

        using var publicOnly = request.Create(issuer.SubjectName, LabKeys.CreateGenerator(issuerKey), notBefore, notAfter, NewSerial());
        return LabKeys.CopyWithPrivateKey(publicOnly, key);
    }

    /// <summary>The product's site signing certificate: self-signed RSA 2048, CN "Site Server".</summary>
    public static X509Certificate2 CreateSiteSigning(string siteSystemName, RSA key, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        var subject = CommonNameOnly(SiteSigningName);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(
            X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(siteSystemName);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        using var publicOnly = request.Create(subject, X509SignatureGenerator.CreateForRSA(key, RSASignaturePadding.Pkcs1), notBefore, notAfter, NewSerial());
        return publicOnly.CopyWithPrivateKey(key);
    }

    /// <summary>True when <paramref name="certificate"/>'s authority key id names <paramref name="issuer"/>'s key.</summary>
    public static bool IsIssuedBy(X509Certificate2 certificate, X509Certificate2 issuer)
    {
        if (!certificate.IssuerName.RawData.AsSpan().SequenceEqual(issuer.SubjectName.RawData))
        {
            return false;
        }

        var akiRaw = certificate.Extensions["2.5.29.35"];
        var ski = issuer.Extensions.OfType<X509SubjectKeyIdentifierExtension>().FirstOrDefault();
        if (akiRaw is null || ski is null)
        {
            return false;
        }

        var aki = new X509AuthorityKeyIdentifierExtension(akiRaw.RawData, akiRaw.Critical);
        return aki.KeyIdentifier is { } keyId && keyId.Span.SequenceEqual(ski.SubjectKeyIdentifierBytes.Span);
    }

    /// <summary>Whether an existing leaf still says what <paramref name="profile"/> asks for.</summary>
    public static bool Matches(X509Certificate2 certificate, LeafProfile profile)
    {
        if (!string.Equals(certificate.GetNameInfo(X509NameType.SimpleName, false), profile.CommonName, StringComparison.Ordinal))
        {
            return false;
        }

        var san = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().FirstOrDefault();
        var dns = san?.EnumerateDnsNames().ToList() ?? [];
        var ips = san?.EnumerateIPAddresses().ToList() ?? [];
        if (!dns.SequenceEqual(profile.DnsNames, StringComparer.Ordinal) || !ips.SequenceEqual(profile.IpAddresses))
        {
            return false;
        }

        var eku = certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().FirstOrDefault();
        var oids = eku?.EnhancedKeyUsages.Cast<Oid>().Select(o => o.Value).ToHashSet(StringComparer.Ordinal) ?? [];
        return oids.Contains(ServerAuthOid) == profile.ServerAuth && oids.Contains(ClientAuthOid) == profile.ClientAuth;
    }

    public static X500DistinguishedName CommonNameOnly(string commonName)
    {
        var builder = new X500DistinguishedNameBuilder();
        builder.AddCommonName(commonName);
        return builder.Build();
    }

    public static string? CrlUrl(string? baseUrl, string fileName) =>
        string.IsNullOrEmpty(baseUrl) ? null : baseUrl.TrimEnd('/') + "/" + fileName;

    private static void AddCrlDistributionPoint(CertificateRequest request, string? crlUrl)
    {
        if (crlUrl is not null)
        {
            request.CertificateExtensions.Add(CertificateRevocationListBuilder.BuildCrlDistributionPointExtension([crlUrl]));
        }
    }

    private static byte[] NewSerial()
    {
        // 16 random bytes, positive, no leading zero byte (so hex forms match however they are printed).
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] = (byte)((serial[0] & 0x7F) | 0x10);
        return serial;
    }
}
