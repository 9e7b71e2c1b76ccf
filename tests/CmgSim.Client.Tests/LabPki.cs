using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CmgSim.Client.Tests;

/// <summary>An in-test lab PKI: root CA, a server certificate for the service name, a client-auth certificate.</summary>
internal sealed class LabPki : IDisposable
{
    public const string ServiceName = "cmg.contoso.test";

    private static readonly DateTimeOffset NotBefore = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset NotAfter = new(2099, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public LabPki()
    {
        RootKey = RSA.Create(2048);
        var rootRequest = new CertificateRequest("CN=CmgSim Test Root", RootKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        rootRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        rootRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        rootRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(rootRequest.PublicKey, false));
        Root = rootRequest.CreateSelfSigned(NotBefore, NotAfter);
        Server = Issue($"CN={ServiceName}", "1.3.6.1.5.5.7.3.1", ServiceName, 1);
        ClientCertificate = Issue("CN=CLIENT01", "1.3.6.1.5.5.7.3.2", null, 2);
    }

    public RSA RootKey { get; }

    public X509Certificate2 Root { get; }

    public X509Certificate2 Server { get; }

    public X509Certificate2 ClientCertificate { get; }

    /// <summary>Issues a leaf signed by the root, returned PKCS#12-backed so SslStream can use its key.</summary>
    public X509Certificate2 Issue(string subject, string eku, string? dnsName, byte serial)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(eku)], false));
        if (dnsName is not null)
        {
            var san = new SubjectAlternativeNameBuilder();
            san.AddDnsName(dnsName);
            request.CertificateExtensions.Add(san.Build());
        }

        using var issued = request.Create(Root, NotBefore, NotAfter, [serial, 0x42]);
        using var withKey = issued.CopyWithPrivateKey(key);
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }

    public void Dispose()
    {
        Root.Dispose();
        Server.Dispose();
        ClientCertificate.Dispose();
        RootKey.Dispose();
    }

    public static bool ChainsToRoot(X509Certificate2 certificate, X509Certificate2 root)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(root);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }

    public static IPEndPoint Loopback(int port) => new(IPAddress.Loopback, port);
}
