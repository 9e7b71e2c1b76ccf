using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace CmgSim.Client;

/// <summary>HTTP plumbing of a simulated PKI client: its certificate, the lab trust anchor, and a hosts-file style name override.</summary>
public static class CmgClientHttp
{
    /// <summary>
    /// A handler that presents <paramref name="clientCertificate"/> (when given), trusts only
    /// <paramref name="trustedRoot"/> for the server certificate (host name checked as usual), and,
    /// when <paramref name="serviceNameToResolve"/> and <paramref name="resolveTo"/> are both given,
    /// connects requests for that name to <paramref name="resolveTo"/> like a hosts-file entry — the
    /// URL (and so TLS SNI and the name check) keep the service name. A <paramref name="resolveTo"/>
    /// port of 0 keeps the URL's port.
    /// </summary>
    /// <param name="intermediates">Issuing CA certificates sent with the client certificate, so the server can build its chain.</param>
    public static SocketsHttpHandler CreateHandler(
        X509Certificate2? clientCertificate,
        X509Certificate2 trustedRoot,
        string? serviceNameToResolve,
        IPEndPoint? resolveTo,
        X509Certificate2Collection? intermediates = null)
    {
        ArgumentNullException.ThrowIfNull(trustedRoot);
        var handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            ConnectTimeout = TimeSpan.FromSeconds(10),
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
                    ValidateServerCertificate(certificate as X509Certificate2, chain, errors, trustedRoot),
            },
        };

        if (clientCertificate is not null)
        {
            // A context (rather than ClientCertificates) always presents this certificate, whatever CA list the server advertises.
            handler.SslOptions.ClientCertificateContext = SslStreamCertificateContext.Create(clientCertificate, intermediates, offline: true);
        }

        if (serviceNameToResolve is not null && resolveTo is not null)
        {
            handler.ConnectCallback = (context, cancellationToken) =>
            {
                var target = context.DnsEndPoint;
                EndPoint endPoint = string.Equals(target.Host, serviceNameToResolve, StringComparison.OrdinalIgnoreCase)
                    ? new IPEndPoint(resolveTo.Address, resolveTo.Port == 0 ? target.Port : resolveTo.Port)
                    : target;
                return ConnectAsync(endPoint, cancellationToken);
            };
        }

        return handler;
    }

    /// <summary>
    /// The platform's verdict is ignored for the chain (the lab root is not in the machine store) but
    /// kept for the name and for a missing certificate; the chain is rebuilt against the lab root only.
    /// </summary>
    internal static bool ValidateServerCertificate(X509Certificate2? certificate, X509Chain? presentedChain, SslPolicyErrors errors, X509Certificate2 trustedRoot)
    {
        if (certificate is null || (errors & (SslPolicyErrors.RemoteCertificateNotAvailable | SslPolicyErrors.RemoteCertificateNameMismatch)) != 0)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(trustedRoot);
        // The lab CRL is not published over HTTP; revocation is the CMG's concern, not the client's TLS check here.
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (presentedChain is not null)
        {
            foreach (var element in presentedChain.ChainElements)
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        return chain.Build(certificate);
    }

    private static async ValueTask<Stream> ConnectAsync(EndPoint endPoint, CancellationToken cancellationToken)
    {
        var socket = endPoint is IPEndPoint ip
            ? new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp)
            : new Socket(SocketType.Stream, ProtocolType.Tcp);
        socket.NoDelay = true;
        try
        {
            await socket.ConnectAsync(endPoint, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
