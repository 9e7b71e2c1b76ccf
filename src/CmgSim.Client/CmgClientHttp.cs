using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using CmgSim.Core.Security;

namespace CmgSim.Client;

/// <summary>HTTP plumbing of a simulated PKI client: its certificate, the lab trust anchor, and a hosts-file style name override.</summary>
public static class CmgClientHttp
{
    // Linux's SOL_IP and IP_BIND_ADDRESS_NO_PORT (linux/in.h); .NET has no named option for it.
    private const int IpProtocolLevel = 0;
    private const int IpBindAddressNoPort = 24;

    /// <summary>
    /// A handler that presents <paramref name="clientCertificate"/> (when given), trusts only
    /// <paramref name="trustedRoot"/> for the server certificate (host name checked as usual), and,
    /// when <paramref name="serviceNameToResolve"/> and <paramref name="resolveTo"/> are both given,
    /// connects requests for that name to <paramref name="resolveTo"/> like a hosts-file entry — the
    /// URL (and so TLS SNI and the name check) keep the service name. A <paramref name="resolveTo"/>
    /// port of 0 keeps the URL's port.
    /// </summary>
    /// <param name="intermediates">Issuing CA certificates sent with the client certificate, so the server can build its chain.</param>
    /// <param name="localAddress">
    /// When given, every connection's socket is bound to this source address (port chosen at connect), e.g.
    /// 127.0.0.2, so that many clients on one machine do not share one address's ephemeral ports.
    /// </param>
    public static SocketsHttpHandler CreateHandler(
        X509Certificate2? clientCertificate,
        X509Certificate2 trustedRoot,
        string? serviceNameToResolve,
        IPEndPoint? resolveTo,
        X509Certificate2Collection? intermediates = null,
        IPAddress? localAddress = null)
    {
        ArgumentNullException.ThrowIfNull(trustedRoot);
        var handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            ConnectTimeout = TimeSpan.FromSeconds(10),
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = LabServerCertificateValidation.CreateCallback([trustedRoot]),
            },
        };

        if (clientCertificate is not null)
        {
            // A context (rather than ClientCertificates) always presents this certificate, whatever CA list the server advertises.
            handler.SslOptions.ClientCertificateContext = SslStreamCertificateContext.Create(clientCertificate, intermediates, offline: true);
        }

        var resolve = serviceNameToResolve is not null && resolveTo is not null;
        if (resolve || localAddress is not null)
        {
            handler.ConnectCallback = (context, cancellationToken) =>
            {
                var target = context.DnsEndPoint;
                EndPoint endPoint = resolve && string.Equals(target.Host, serviceNameToResolve, StringComparison.OrdinalIgnoreCase)
                    ? new IPEndPoint(resolveTo!.Address, resolveTo.Port == 0 ? target.Port : resolveTo.Port)
                    : target;
                return ConnectAsync(endPoint, localAddress, cancellationToken);
            };
        }

        return handler;
    }

    private static async ValueTask<Stream> ConnectAsync(EndPoint endPoint, IPAddress? localAddress, CancellationToken cancellationToken)
    {
        var socket = endPoint is IPEndPoint ip
            ? new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp)
            : localAddress is not null
                ? new Socket(localAddress.AddressFamily, SocketType.Stream, ProtocolType.Tcp)
                : new Socket(SocketType.Stream, ProtocolType.Tcp);
        socket.NoDelay = true;
        try
        {
            if (localAddress is not null)
            {
                if (OperatingSystem.IsLinux())
                {
                    // IP_BIND_ADDRESS_NO_PORT: the port is picked at connect, per destination, instead of reserved at bind
                    // for every destination, so one source address still gets its ~28k ports for each target port.
                    socket.SetRawSocketOption(IpProtocolLevel, IpBindAddressNoPort, BitConverter.GetBytes(1));
                }

                socket.Bind(new IPEndPoint(localAddress, 0));
            }

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
