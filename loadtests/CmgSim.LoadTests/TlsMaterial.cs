using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using CmgSim.Core.Security;

namespace CmgSim.LoadTests;

/// <summary>The lab PKI as the load generator sees it: trusted roots from <c>--ca</c>, an optional client certificate.</summary>
internal sealed class TlsMaterial : IDisposable
{
    private readonly X509Certificate2Collection _roots;
    private readonly X509Certificate2? _clientCertificate;
    private readonly X509Certificate2Collection _clientChain;

    private TlsMaterial(X509Certificate2Collection roots, X509Certificate2? clientCertificate, X509Certificate2Collection clientChain)
    {
        _roots = roots;
        _clientCertificate = clientCertificate;
        _clientChain = clientChain;
    }

    public static TlsMaterial Load(string? caPemPath, string? certPemPath, string? keyPemPath)
    {
        var roots = new X509Certificate2Collection();
        if (caPemPath is not null)
        {
            roots.ImportFromPemFile(caPemPath);
        }

        X509Certificate2? client = null;
        var chain = new X509Certificate2Collection();
        if (certPemPath is not null)
        {
            using var ephemeral = X509Certificate2.CreateFromPemFile(certPemPath, keyPemPath);

            // A PEM key is ephemeral; SslStream needs the key attached the way a PKCS#12 import attaches it
            // (required by SChannel, harmless with OpenSSL), so round-trip through PKCS#12.
            client = X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pkcs12), password: null);

            // Anything after the leaf in the PEM file is sent as the chain.
            chain.ImportFromPemFile(certPemPath);
            foreach (var certificate in chain.Where(c => c.Thumbprint == client.Thumbprint).ToList())
            {
                chain.Remove(certificate);
                certificate.Dispose();
            }
        }

        return new TlsMaterial(roots, client, chain);
    }

    public void Apply(SslClientAuthenticationOptions options)
    {
        if (_roots.Count > 0)
        {
            options.RemoteCertificateValidationCallback = LabServerCertificateValidation.CreateCallback(_roots);
        }

        if (_clientCertificate is not null)
        {
            options.ClientCertificateContext = SslStreamCertificateContext.Create(_clientCertificate, _clientChain, offline: true);
        }
    }

    public void Dispose()
    {
        _clientCertificate?.Dispose();
        foreach (var certificate in _roots.Concat(_clientChain))
        {
            certificate.Dispose();
        }
    }
}
