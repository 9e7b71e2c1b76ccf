using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;

namespace CmgSim.LoadTests;

/// <summary>curl-style <c>--resolve host:port:address</c> entries, restricted to loopback addresses.</summary>
internal sealed class ResolveMap
{
    private readonly Dictionary<(string Host, int Port), IPAddress> _entries;

    private ResolveMap(Dictionary<(string Host, int Port), IPAddress> entries)
    {
        _entries = entries;
    }

    public static ResolveMap Empty { get; } = new([]);

    public int Count => _entries.Count;

    public bool TryGet(string host, int port, [NotNullWhen(true)] out IPAddress? address) =>
        _entries.TryGetValue((host.ToLowerInvariant(), port), out address);

    /// <summary>Parses the entries; <paramref name="error"/> says which one is wrong and why.</summary>
    public static bool TryParse(IEnumerable<string> values, [NotNullWhen(true)] out ResolveMap? map, [NotNullWhen(false)] out string? error)
    {
        var entries = new Dictionary<(string Host, int Port), IPAddress>();
        foreach (var value in values)
        {
            // host:port:address; the address may be IPv6 (with or without brackets), so split on the first two colons.
            var first = value.IndexOf(':', StringComparison.Ordinal);
            var second = first < 0 ? -1 : value.IndexOf(':', first + 1);
            if (first <= 0 || second < 0
                || !int.TryParse(value.AsSpan(first + 1, second - first - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port)
                || port is < 1 or > 65535
                || !IPAddress.TryParse(value.AsSpan(second + 1).Trim("[]"), out var address))
            {
                map = null;
                error = $"--resolve '{value}' is not host:port:address.";
                return false;
            }

            if (!LoopbackGuard.IsLoopback(address))
            {
                map = null;
                error = $"--resolve '{value}' maps to {address}, which is not loopback (127.0.0.0/8 or ::1).";
                return false;
            }

            entries[(value[..first].ToLowerInvariant(), port)] = address;
        }

        map = new ResolveMap(entries);
        error = null;
        return true;
    }
}
