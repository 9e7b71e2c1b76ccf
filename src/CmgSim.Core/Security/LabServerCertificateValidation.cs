using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace CmgSim.Core.Security;

/// <summary>
/// Server-certificate validation against a lab's own roots instead of the machine store, as every CmgSim
/// TLS client needs it (simulated clients, connection points toward the VM instances and the MP/SUP, the
/// load engine).
/// </summary>
public static class LabServerCertificateValidation
{
    /// <summary>
    /// A callback for <see cref="SslClientAuthenticationOptions.RemoteCertificateValidationCallback"/>: the
    /// certificate must be present, match the host name, and chain to one of <paramref name="trustedRoots"/>
    /// (intermediates the server sent are used). Revocation is not checked: the lab CRL is not published
    /// over HTTP, and client-certificate revocation is the CMG's check, not the TLS client's.
    /// </summary>
    public static RemoteCertificateValidationCallback CreateCallback(IEnumerable<X509Certificate2> trustedRoots)
    {
        var roots = trustedRoots.ToArray();
        return (_, certificate, presented, errors) => Validate(certificate, presented, errors, roots);
    }

    /// <summary>
    /// TLS client options for a lab client: the server must chain to <paramref name="trustedRoots"/>, and
    /// <paramref name="clientCertificate"/> (when given) is always presented, whatever CAs the server lists.
    /// </summary>
    public static SslClientAuthenticationOptions CreateClientOptions(X509Certificate2? clientCertificate, IEnumerable<X509Certificate2> trustedRoots)
    {
        var options = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = CreateCallback(trustedRoots) };
        if (clientCertificate is not null)
        {
            options.ClientCertificates = new X509CertificateCollection { clientCertificate };
            options.LocalCertificateSelectionCallback = (_, _, _, _, _) => clientCertificate;
        }

        return options;
    }

    public static bool Validate(X509Certificate? certificate, X509Chain? presented, SslPolicyErrors errors, IReadOnlyCollection<X509Certificate2> trustedRoots)
    {
        ArgumentNullException.ThrowIfNull(trustedRoots);
        if (certificate is not X509Certificate2 serverCertificate
            || (errors & (SslPolicyErrors.RemoteCertificateNotAvailable | SslPolicyErrors.RemoteCertificateNameMismatch)) != 0)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        foreach (var root in trustedRoots)
        {
            chain.ChainPolicy.CustomTrustStore.Add(root);
        }

        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (presented is not null)
        {
            // The intermediates the server sent in the handshake.
            chain.ChainPolicy.ExtraStore.AddRange(presented.ChainPolicy.ExtraStore);
            foreach (var element in presented.ChainElements)
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        return chain.Build(serverCertificate);
    }
}
