using System.Collections.Concurrent;
using HdrHistogram;

namespace CmgSim.LoadTests.Engine;

/// <summary>
/// Records one step's results from any number of threads without locks: latencies go into
/// <see cref="IntervalRecorder"/>s (HdrHistogram, wait-free writers, interval histograms for the reader), counters are Interlocked.
/// Only the runner's window loop reads: it swaps the interval histograms out once per window and folds them into
/// the run totals, so percentiles per window and for the whole run come from the same data.
/// </summary>
internal sealed class StepRecorder
{
    /// <summary>One hour in microseconds; slower values are clamped to it.</summary>
    public const long HighestTrackableMicroseconds = 3_600_000_000;

    private const int StatusSlots = 1000;

    private readonly IntervalRecorder _ok = new();
    private readonly IntervalRecorder _okService = new();
    private readonly IntervalRecorder _fail = new();
    private readonly long[] _statusCodes = new long[StatusSlots];
    private readonly ConcurrentDictionary<string, ErrorCounter> _errors = new(StringComparer.Ordinal);
    private long _bytes;

    // Reader side: touched by the window loop only.
    private readonly LongHistogram _totalOk = CreateHistogram();
    private readonly LongHistogram _totalOkService = CreateHistogram();
    private readonly LongHistogram _totalFail = CreateHistogram();
    private readonly LongHistogram _windowOk = CreateHistogram();
    private readonly LongHistogram _windowOkService = CreateHistogram();

    public StepRecorder(string name)
    {
        Name = name;
    }

    public string Name { get; }

    /// <summary>Successful results folded into the totals so far (reader side).</summary>
    public long TotalOkCount => _totalOk.TotalCount;

    /// <summary>Failed results folded into the totals so far (reader side).</summary>
    public long TotalFailCount => _totalFail.TotalCount;

    public static LongHistogram CreateHistogram() => new(1, HighestTrackableMicroseconds, 3);

    public void Record(bool ok, long latencyMicroseconds, long serviceMicroseconds, in StepResult result)
    {
        if (ok)
        {
            _ok.RecordValue(Clamp(latencyMicroseconds));
            _okService.RecordValue(Clamp(serviceMicroseconds));
        }
        else
        {
            _fail.RecordValue(Clamp(latencyMicroseconds));
        }

        if (result.SizeBytes != 0)
        {
            Interlocked.Add(ref _bytes, result.SizeBytes);
        }

        if (result.StatusCode is > 0 and < StatusSlots)
        {
            Interlocked.Increment(ref _statusCodes[result.StatusCode]);
        }

        if (result.ErrorCode is { } code)
        {
            if (!_errors.TryGetValue(code, out var counter))
            {
                counter = _errors.GetOrAdd(code, static (_, message) => new ErrorCounter(message), result.Message);
            }

            Interlocked.Increment(ref counter.Count);
        }
    }

    /// <summary>Takes the values recorded since the previous window, adds them to the totals, and summarises the window.</summary>
    public WindowSample TakeWindow()
    {
        // The latency and service-time recorders are swapped one after the other, so a result recorded in between
        // lands in adjacent windows of the two; totals agree, and an empty histogram never yields a percentile.
        var ok = _ok.TakeInterval();
        var okService = _okService.TakeInterval();
        var fail = _fail.TakeInterval();
        var okCount = ok.TotalCount;
        var failCount = fail.TotalCount;

        // Percentiles come from plain copies: reading a concurrent histogram takes a reader lock per bucket.
        CopyInto(ok, _windowOk, _totalOk);
        CopyInto(okService, _windowOkService, _totalOkService);
        if (failCount > 0)
        {
            _totalFail.Add(fail);
        }

        return new WindowSample(
            okCount,
            failCount,
            Percentile(_windowOk, 50),
            Percentile(_windowOk, 95),
            Percentile(_windowOk, 99),
            Percentile(_windowOkService, 50),
            Percentile(_windowOkService, 99));
    }

    private static void CopyInto(HistogramBase interval, LongHistogram window, LongHistogram total)
    {
        window.Reset();
        if (interval.TotalCount > 0)
        {
            // One pass over the concurrent histogram (a reader lock per bucket), then plain to plain.
            window.Add(interval);
            total.Add(window);
        }
    }

    private static double Percentile(LongHistogram histogram, double percentile) =>
        histogram.TotalCount > 0 ? Ms(histogram.GetValueAtPercentile(percentile)) : 0;

    /// <summary>The totals so far (reader side; call from the window loop or after it has stopped).</summary>
    public StepStats Snapshot(string scenarioName, double durationSeconds)
    {
        var statuses = new SortedDictionary<int, long>();
        for (var i = 0; i < _statusCodes.Length; i++)
        {
            var count = Interlocked.Read(ref _statusCodes[i]);
            if (count > 0)
            {
                statuses[i] = count;
            }
        }

        var errors = new SortedDictionary<string, long>(StringComparer.Ordinal);
        var messages = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (code, counter) in _errors)
        {
            errors[code] = Interlocked.Read(ref counter.Count);
            if (counter.FirstMessage is { } message)
            {
                messages[code] = message;
            }
        }

        return new StepStats(
            scenarioName,
            Name,
            _totalOk.TotalCount,
            _totalFail.TotalCount,
            durationSeconds,
            LatencyStats.From(_totalOk),
            LatencyStats.From(_totalOkService),
            LatencyStats.From(_totalFail),
            Interlocked.Read(ref _bytes),
            statuses,
            errors,
            messages);
    }

    private static long Clamp(long microseconds) => Math.Clamp(microseconds, 1, HighestTrackableMicroseconds);

    private static double Ms(long microseconds) => microseconds / 1000.0;

    private sealed class ErrorCounter(string? firstMessage)
    {
        public long Count;

        public string? FirstMessage { get; } = firstMessage;
    }
}

/// <summary>One window of one step: counts and percentiles (ms) of successful results.</summary>
internal readonly record struct WindowSample(long Ok, long Fail, double P50Ms, double P95Ms, double P99Ms, double ServiceP50Ms, double ServiceP99Ms);
