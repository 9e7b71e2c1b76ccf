using HdrHistogram;

namespace CmgSim.LoadTests.Engine;

/// <summary>Latency distribution in milliseconds, from an HdrHistogram recorded in microseconds (3 significant digits).</summary>
internal sealed record LatencyStats(
    long Count,
    double MinMs,
    double MeanMs,
    double P50Ms,
    double P75Ms,
    double P90Ms,
    double P95Ms,
    double P99Ms,
    double P999Ms,
    double MaxMs,
    double StdDevMs)
{
    public static LatencyStats Empty { get; } = new(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    public static LatencyStats From(HistogramBase histogram)
    {
        if (histogram.TotalCount == 0)
        {
            return Empty;
        }

        return new LatencyStats(
            histogram.TotalCount,
            Ms(histogram.LowestEquivalentValue(histogram.GetValueAtPercentile(0))),
            histogram.GetMean() / 1000.0,
            Ms(histogram.GetValueAtPercentile(50)),
            Ms(histogram.GetValueAtPercentile(75)),
            Ms(histogram.GetValueAtPercentile(90)),
            Ms(histogram.GetValueAtPercentile(95)),
            Ms(histogram.GetValueAtPercentile(99)),
            Ms(histogram.GetValueAtPercentile(99.9)),
            Ms(histogram.GetMaxValue()),
            histogram.GetStdDeviation() / 1000.0);
    }

    private static double Ms(long microseconds) => microseconds / 1000.0;
}

/// <summary>
/// Statistics of one step (or, with <see cref="StepName"/> = <see cref="IterationStepName"/>, of whole iterations)
/// over the measured part of the run. <see cref="Latency"/> is measured from each invocation's intended start
/// (coordinated omission corrected); <see cref="ServiceTime"/> from its actual start. Both cover successful
/// results; <see cref="FailLatency"/> covers failures.
/// </summary>
internal sealed record StepStats(
    string ScenarioName,
    string StepName,
    long OkCount,
    long FailCount,
    double DurationSeconds,
    LatencyStats Latency,
    LatencyStats ServiceTime,
    LatencyStats FailLatency,
    long Bytes,
    IReadOnlyDictionary<int, long> StatusCodes,
    IReadOnlyDictionary<string, long> ErrorCodes,
    IReadOnlyDictionary<string, string> ErrorMessages)
{
    /// <summary>The step name under which a scenario's whole-iteration statistics are reported.</summary>
    public const string IterationStepName = "(iteration)";

    public long Count => OkCount + FailCount;

    /// <summary>Statistics of a step that has not run (yet).</summary>
    public static StepStats Empty(string scenarioName, string stepName, double durationSeconds) => new(
        scenarioName,
        stepName,
        0,
        0,
        durationSeconds,
        LatencyStats.Empty,
        LatencyStats.Empty,
        LatencyStats.Empty,
        0,
        new Dictionary<int, long>(),
        new Dictionary<string, long>(),
        new Dictionary<string, string>());

    /// <summary>All results per second over <see cref="DurationSeconds"/>.</summary>
    public double Rps => DurationSeconds > 0 ? Count / DurationSeconds : 0;

    public double OkRps => DurationSeconds > 0 ? OkCount / DurationSeconds : 0;

    public double FailRps => DurationSeconds > 0 ? FailCount / DurationSeconds : 0;

    public double FailPercent => Count > 0 ? 100.0 * FailCount / Count : 0;

    public double OkPercent => Count > 0 ? 100.0 * OkCount / Count : 0;

    public bool IsIteration => StepName == IterationStepName;

    public long StatusCount(int statusCode) => StatusCodes.GetValueOrDefault(statusCode);

    public long ErrorCount(string errorCode) => ErrorCodes.GetValueOrDefault(errorCode);
}
