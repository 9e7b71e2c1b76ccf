using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CmgSim.Tunnel.Tests;

/// <summary>A throwaway CA with a server and a client certificate, made once per test run.</summary>
internal static class TestCertificates
{
    private static readonly Lazy<(X509Certificate2 Root, X509Certificate2 Server, X509Certificate2 Client)> Set = new(Create);

    public static X509Certificate2 Root => Set.Value.Root;

    public static X509Certificate2 Server => Set.Value.Server;

    public static X509Certificate2 Client => Set.Value.Client;

    private static (X509Certificate2, X509Certificate2, X509Certificate2) Create()
    {
        var now = TimeProvider.System.GetUtcNow();
        using var rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var rootRequest = new CertificateRequest("CN=Tunnel Test Root", rootKey, HashAlgorithmName.SHA256);
        rootRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        rootRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        using var rootWithKey = rootRequest.CreateSelfSigned(now.AddDays(-1), now.AddDays(30));
        var root = X509CertificateLoader.LoadCertificate(rootWithKey.Export(X509ContentType.Cert));
        return (root, Issue(rootWithKey, "localhost", serverAuth: true, 2), Issue(rootWithKey, "CMGCP01.contoso.com", serverAuth: false, 3));
    }

    private static X509Certificate2 Issue(X509Certificate2 issuer, string name, bool serverAuth, byte serial)
    {
        var now = TimeProvider.System.GetUtcNow();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid(serverAuth ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2")], false));
        if (serverAuth)
        {
            var san = new SubjectAlternativeNameBuilder();
            san.AddDnsName("localhost");
            san.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(san.Build());
        }

        using var certificate = request.Create(issuer, now.AddDays(-1), now.AddDays(10), [serial]);
        using var withKey = certificate.CopyWithPrivateKey(key);
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }
}
