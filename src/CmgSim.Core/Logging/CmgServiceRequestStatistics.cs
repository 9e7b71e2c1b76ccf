using System.Collections.Concurrent;
using System.Globalization;

namespace CmgSim.Core.Logging;

/// <summary>
/// Per-URI request statistics the CMG writes to <c>CMGService.log</c>. Recording takes no lock and allocates only
/// the first time a URI is seen.
/// </summary>
public sealed class CmgServiceRequestStatistics
{
    // Case-insensitive: clients send /CCM_Proxy_ServerAuth/… and /ccm_proxy_serverauth/… for the same endpoint.
    private readonly ConcurrentDictionary<string, Counters> _byUri = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Counts a request and its response. <paramref name="uriTemplate"/> is the path without query.</summary>
    public void Record(string uriTemplate, long requestBytes, long responseBytes, TimeSpan elapsed)
    {
        var counters = CountersFor(uriTemplate);
        Interlocked.Increment(ref counters.RequestCount);
        Interlocked.Add(ref counters.RequestBytes, requestBytes);
        Interlocked.Increment(ref counters.ResponseCount);
        Interlocked.Add(ref counters.ResponseBytes, responseBytes);
        Interlocked.Add(ref counters.ElapsedTicks, elapsed.Ticks);
    }

    /// <summary>Counts a request that got no response (client gone, channel lost).</summary>
    public void RecordWithoutResponse(string uriTemplate, long requestBytes, TimeSpan elapsed)
    {
        var counters = CountersFor(uriTemplate);
        Interlocked.Increment(ref counters.RequestCount);
        Interlocked.Add(ref counters.RequestBytes, requestBytes);
        Interlocked.Add(ref counters.ElapsedTicks, elapsed.Ticks);
    }

    /// <summary>
    /// One line per URI with requests since the last drain, ordered by URI, and resets the counters. A request
    /// recorded while draining lands in this report or the next, never in neither.
    /// </summary>
    public IReadOnlyList<string> DrainReport()
    {
        var lines = new List<string>();
        foreach (var (_, counters) in _byUri)
        {
            var requests = Interlocked.Exchange(ref counters.RequestCount, 0);
            var requestBytes = Interlocked.Exchange(ref counters.RequestBytes, 0);
            var responses = Interlocked.Exchange(ref counters.ResponseCount, 0);
            var responseBytes = Interlocked.Exchange(ref counters.ResponseBytes, 0);
            var elapsedTicks = Interlocked.Exchange(ref counters.ElapsedTicks, 0);
            if (requests == 0 && responses == 0)
            {
                continue;
            }

            var averageMs = requests == 0 ? 0 : (long)Math.Round(elapsedTicks / (double)requests / TimeSpan.TicksPerMillisecond, MidpointRounding.AwayFromZero);
            lines.Add(string.Create(
                CultureInfo.InvariantCulture,
                $"RequestUri: {counters.Uri}  RequestCount: {requests}  RequestSize: {requestBytes} Bytes  ResponseCount: {responses}  ResponseSize: {responseBytes} Bytes  AverageElapsedTime: {averageMs} ms"));
        }

        lines.Sort(StringComparer.Ordinal);
        return lines;
    }

    private Counters CountersFor(string uriTemplate)
    {
        ArgumentNullException.ThrowIfNull(uriTemplate);
        return _byUri.TryGetValue(uriTemplate, out var counters)
            ? counters
            : _byUri.GetOrAdd(uriTemplate, static uri => new Counters(uri.ToUpperInvariant()));
    }

    private sealed class Counters(string uri)
    {
        // Upper-cased as in the product's example line.
        public readonly string Uri = uri;
        public long RequestCount;
        public long RequestBytes;
        public long ResponseCount;
        public long ResponseBytes;
        public long ElapsedTicks;
    }
}
