using HdrHistogram;

namespace CmgSim.LoadTests;

/// <summary>Percentiles in milliseconds of a histogram recorded in microseconds.</summary>
internal sealed record LatencySummary(long Count, double MeanMs, double P50Ms, double P90Ms, double P99Ms, double P999Ms, double MaxMs)
{
    /// <summary>Upper bound of the histograms: one hour in microseconds; slower values are clamped to it.</summary>
    public const long HighestTrackableMicroseconds = 3_600_000_000;

    public static LongHistogram CreateHistogram() => new(1, HighestTrackableMicroseconds, 3);

    public static LatencySummary From(HistogramBase histogram)
    {
        if (histogram.TotalCount == 0)
        {
            return new LatencySummary(0, 0, 0, 0, 0, 0, 0);
        }

        return new LatencySummary(
            histogram.TotalCount,
            histogram.GetMean() / 1000.0,
            Ms(histogram.GetValueAtPercentile(50)),
            Ms(histogram.GetValueAtPercentile(90)),
            Ms(histogram.GetValueAtPercentile(99)),
            Ms(histogram.GetValueAtPercentile(99.9)),
            Ms(histogram.GetMaxValue()));
    }

    public static long ToMicroseconds(TimeSpan elapsed) =>
        Math.Clamp((long)elapsed.TotalMicroseconds, 1, HighestTrackableMicroseconds);

    private static double Ms(long microseconds) => microseconds / 1000.0;
}
