using CmgSim.LoadTests.Engine;

namespace CmgSim.LoadTests;

/// <summary>Percentiles in milliseconds of a histogram recorded in microseconds.</summary>
internal sealed record LatencySummary(long Count, double MeanMs, double P50Ms, double P90Ms, double P99Ms, double P999Ms, double MaxMs)
{
    public static LatencySummary From(LatencyStats stats) =>
        new(stats.Count, stats.MeanMs, stats.P50Ms, stats.P90Ms, stats.P99Ms, stats.P999Ms, stats.MaxMs);
}
