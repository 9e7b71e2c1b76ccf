using System.Buffers;
using CmgSim.Core.Errors;
using HdrHistogram;

namespace CmgSim.LoadTests;

/// <summary>Drives one target with a closed load profile and returns its statistics. Knows nothing about the CLI.</summary>
internal sealed class LoadRunner
{
    private readonly TimeProvider _time;

    public LoadRunner(TimeProvider time)
    {
        _time = time;
    }

    public async Task<TargetResult> RunClosedAsync(
        LoadTarget target,
        ClosedLoadProfile profile,
        HttpMessageInvoker invoker,
        CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        var measureFrom = started + ToTimestamp(profile.WarmUp);
        var measureUntil = measureFrom + ToTimestamp(profile.Duration);

        // The run stops on its own: in-flight requests are cancelled at the end instead of being waited for.
        using var endOfRun = new CancellationTokenSource(profile.WarmUp + profile.Duration, _time);
        using var run = CancellationTokenSource.CreateLinkedTokenSource(endOfRun.Token, cancellationToken);

        var workers = new WorkerStats[profile.Workers];
        var tasks = new Task[profile.Workers];
        for (var i = 0; i < workers.Length; i++)
        {
            var stats = workers[i] = new WorkerStats();
            tasks[i] = Task.Run(() => WorkerAsync(target, profile, invoker, stats, measureFrom, measureUntil, run.Token), CancellationToken.None);
        }

        await Task.WhenAll(tasks);
        cancellationToken.ThrowIfCancellationRequested();
        return Merge(target, profile.Duration, workers);
    }

    private async Task WorkerAsync(
        LoadTarget target,
        ClosedLoadProfile profile,
        HttpMessageInvoker invoker,
        WorkerStats stats,
        long measureFrom,
        long measureUntil,
        CancellationToken run)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        var timeout = CancellationTokenSource.CreateLinkedTokenSource(run);
        try
        {
            while (!run.IsCancellationRequested)
            {
                if (!timeout.TryReset())
                {
                    timeout.Dispose();
                    timeout = CancellationTokenSource.CreateLinkedTokenSource(run);
                }

                timeout.CancelAfter(profile.RequestTimeout);
                var start = _time.GetTimestamp();
                var measured = start >= measureFrom;
                try
                {
                    using var request = target.CreateRequest(profile.HttpVersion);
                    using var response = await invoker.SendAsync(request, timeout.Token);
                    var bytes = await DrainAsync(response, buffer, timeout.Token);
                    var end = _time.GetTimestamp();
                    if (measured && end <= measureUntil)
                    {
                        stats.RecordResponse(response, bytes, LatencySummary.ToMicroseconds(_time.GetElapsedTime(start, end)));
                    }
                }
                catch (OperationCanceledException) when (run.IsCancellationRequested)
                {
                    if (measured)
                    {
                        stats.CutAtEnd++;
                    }

                    break;
                }
                catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException)
                {
                    if (measured && _time.GetTimestamp() <= measureUntil)
                    {
                        stats.RecordError(ErrorKind(ex));
                    }
                }
            }
        }
        finally
        {
            timeout.Dispose();
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async Task<long> DrainAsync(HttpResponseMessage response, byte[] buffer, CancellationToken cancellationToken)
    {
        // Latency is to the last byte: reading the body is part of what the gateway has to deliver.
        var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        await using (body)
        {
            long total = 0;
            int read;
            while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
            {
                total += read;
            }

            return total;
        }
    }

    private static string ErrorKind(Exception ex) => ex switch
    {
        OperationCanceledException => "timeout",
        HttpRequestException { HttpRequestError: not HttpRequestError.Unknown } http => http.HttpRequestError.ToString(),
        HttpRequestException { InnerException: { } inner } => inner.GetType().Name,
        _ => ex.GetType().Name,
    };

    private static TargetResult Merge(LoadTarget target, TimeSpan measured, WorkerStats[] workers)
    {
        var histogram = LatencySummary.CreateHistogram();
        var statusCodes = new SortedDictionary<int, long>();
        var errorKinds = new SortedDictionary<string, long>(StringComparer.Ordinal);
        var cmgSimErrors = new SortedDictionary<string, long>(StringComparer.Ordinal);
        var versions = new SortedDictionary<string, long>(StringComparer.Ordinal);
        long bytes = 0, cutAtEnd = 0;
        foreach (var worker in workers)
        {
            histogram.Add(worker.Latency);
            bytes += worker.ResponseBytes;
            cutAtEnd += worker.CutAtEnd;
            AddAll(statusCodes, worker.StatusCodes);
            AddAll(errorKinds, worker.ErrorKinds);
            AddAll(cmgSimErrors, worker.CmgSimErrors);
            AddAll(versions, worker.HttpVersions);
        }

        long ByClass(int hundreds) => statusCodes.Where(s => s.Key / 100 == hundreds).Sum(s => s.Value);
        var responses = statusCodes.Values.Sum();
        var transportErrors = errorKinds.Values.Sum();
        var requests = responses + transportErrors;
        var s2 = ByClass(2);
        var s4 = ByClass(4);
        var s5 = ByClass(5);
        return new TargetResult(
            target.Name,
            target.Url,
            measured,
            requests,
            requests / measured.TotalSeconds,
            LatencySummary.From(histogram),
            s2,
            s4,
            s5,
            responses - s2 - s4 - s5,
            transportErrors,
            bytes,
            statusCodes,
            errorKinds,
            cmgSimErrors,
            versions,
            cutAtEnd);
    }

    private static void AddAll<TKey>(SortedDictionary<TKey, long> total, Dictionary<TKey, long> part)
        where TKey : notnull
    {
        foreach (var (key, count) in part)
        {
            total[key] = total.GetValueOrDefault(key) + count;
        }
    }

    private long ToTimestamp(TimeSpan span) => (long)(span.TotalSeconds * _time.TimestampFrequency);

    /// <summary>One per worker, so recording needs no synchronisation; merged after the run.</summary>
    private sealed class WorkerStats
    {
        public LongHistogram Latency { get; } = LatencySummary.CreateHistogram();

        public Dictionary<int, long> StatusCodes { get; } = [];

        public Dictionary<string, long> ErrorKinds { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, long> CmgSimErrors { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, long> HttpVersions { get; } = new(StringComparer.Ordinal);

        public long ResponseBytes { get; set; }

        public long CutAtEnd { get; set; }

        public void RecordResponse(HttpResponseMessage response, long bytes, long microseconds)
        {
            // Closed model without pacing: there is no intended start time to correct for, so a plain RecordValue.
            Latency.RecordValue(microseconds);
            ResponseBytes += bytes;
            Increment(StatusCodes, (int)response.StatusCode);
            Increment(HttpVersions, VersionName(response.Version));
            if (response.Headers.TryGetValues(CmgErrorInfo.ErrorCodeHeader, out var values))
            {
                foreach (var value in values)
                {
                    Increment(CmgSimErrors, value);
                }
            }
        }

        public void RecordError(string kind) => Increment(ErrorKinds, kind);

        private static string VersionName(Version version) => (version.Major, version.Minor) switch
        {
            (1, 0) => "HTTP/1.0",
            (1, 1) => "HTTP/1.1",
            (2, _) => "HTTP/2",
            (3, _) => "HTTP/3",
            _ => version.ToString(),
        };

        private static void Increment<TKey>(Dictionary<TKey, long> counts, TKey key)
            where TKey : notnull
        {
            counts[key] = counts.GetValueOrDefault(key) + 1;
        }
    }
}
