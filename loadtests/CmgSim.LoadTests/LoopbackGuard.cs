using System.Net;
using System.Net.Sockets;

namespace CmgSim.LoadTests;

/// <summary>Keeps the load generator on this machine: only 127.0.0.0/8 and ::1 are allowed.</summary>
internal static class LoopbackGuard
{
    public static bool IsLoopback(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        // IPAddress.IsLoopback covers all of 127.0.0.0/8 and ::1.
        return IPAddress.IsLoopback(address);
    }

    /// <summary>Null when every address the URL's host resolves to (after <c>--resolve</c>) is loopback; otherwise why not.</summary>
    public static async Task<string?> CheckAsync(Uri url, ResolveMap resolve, CancellationToken cancellationToken)
    {
        if (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)
        {
            return $"'{url}' is not an http or https URL.";
        }

        IPAddress[] addresses;
        if (resolve.TryGet(url.IdnHost, url.Port, out var mapped))
        {
            addresses = [mapped];
        }
        else if (IPAddress.TryParse(url.IdnHost, out var literal))
        {
            addresses = [literal];
        }
        else
        {
            try
            {
                addresses = await Dns.GetHostAddressesAsync(url.IdnHost, cancellationToken);
            }
            catch (SocketException ex)
            {
                return $"host '{url.IdnHost}' does not resolve ({ex.SocketErrorCode}); map it with --resolve {url.IdnHost}:{url.Port}:127.0.0.1";
            }
        }

        var outside = addresses.Where(a => !IsLoopback(a)).ToArray();
        if (addresses.Length == 0 || outside.Length > 0)
        {
            return $"host '{url.IdnHost}' resolves to {string.Join(", ", outside.AsEnumerable())}, which is not loopback " +
                "(127.0.0.0/8 or ::1). Load tests only run against this machine; use --resolve host:port:127.0.0.1 for lab names.";
        }

        return null;
    }
}
