using System.Net;
using System.Net.Sockets;

namespace CmgSim.LoadTests;

/// <summary>One handler per target: its own connection pool, so targets never share warmed-up connections.</summary>
internal static class HandlerFactory
{
    public static SocketsHttpHandler Create(ClosedLoadProfile profile, TlsMaterial tls, ResolveMap resolve) =>
        Create(profile.Workers, profile.RequestTimeout, tls, resolve);

    /// <summary>
    /// A handler that only connects to loopback (checked per connection, after <paramref name="resolve"/>), with no proxy,
    /// redirects, cookies or decompression; for per-virtual-user clients, <paramref name="maxConnectionsPerServer"/> 1.
    /// </summary>
    public static SocketsHttpHandler Create(int maxConnectionsPerServer, TimeSpan connectTimeout, TlsMaterial tls, ResolveMap resolve)
    {
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = maxConnectionsPerServer,
            EnableMultipleHttp2Connections = true,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            ConnectTimeout = connectTimeout,

            // Environment proxies or redirects could carry traffic off this machine.
            UseProxy = false,
            AllowAutoRedirect = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectCallback = (context, cancellationToken) => ConnectAsync(context.DnsEndPoint, resolve, cancellationToken),
        };
        tls.Apply(handler.SslOptions);
        return handler;
    }

    private static async ValueTask<Stream> ConnectAsync(DnsEndPoint endPoint, ResolveMap resolve, CancellationToken cancellationToken)
    {
        IPAddress[] addresses = resolve.TryGet(endPoint.Host, endPoint.Port, out var mapped)
            ? [mapped]
            : await Dns.GetHostAddressesAsync(endPoint.Host, cancellationToken);

        // Checked again per connection: the startup check cannot see later DNS answers.
        addresses = [.. addresses.Where(LoopbackGuard.IsLoopback)];
        if (addresses.Length == 0)
        {
            throw new HttpRequestException(HttpRequestError.ConnectionError, $"Refusing to connect to {endPoint.Host}:{endPoint.Port}: not a loopback address.");
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, endPoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
