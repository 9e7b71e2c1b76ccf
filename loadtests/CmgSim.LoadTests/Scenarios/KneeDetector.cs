namespace CmgSim.LoadTests.Scenarios;

/// <summary>One measured request: the VM instance it went through, how many client connections that instance held, and its latency.</summary>
public readonly record struct KneeSample(string Instance, int Connections, double LatencyMs);

/// <summary>Where one VM instance's latency left its baseline.</summary>
/// <param name="Connections">The knee: the last connection count still at baseline (the buckets are right-closed, so this is the bucket's lower bound).</param>
public sealed record Knee(string Instance, int Connections, double BaselineP95Ms, double KneeP95Ms, int MaxConnections, int Samples);

/// <summary>One point of an instance's latency curve: the bucket <c>(Connections, Connections + width]</c>, its samples and p95.</summary>
public sealed record KneeBucket(int Connections, int Samples, double P95Ms);

/// <summary>
/// Finds the knee of p95 latency over the client connection count, per VM instance: samples are bucketed by
/// connection count in right-closed buckets <c>(k·w, (k+1)·w]</c>; a bucket's baseline is the median p95 of the
/// buckets just before it (the last <see cref="BaselineWindow"/> of its connection count, at least three buckets);
/// the knee is the first bucket above <c>max(baseline × Factor, baseline + MarginMs)</c> from which at least
/// <see cref="Persistence"/> of the buckets stay above that line. The trailing baseline follows the load
/// generator's own noise floor, which rises with the clients it runs on the same cores, so only the step the VM
/// limit adds counts; a noisy bucket (a GC pause, a JIT burst) does not, because the rise must last.
/// </summary>
public sealed class KneeDetector
{
    public int BucketWidth { get; init; } = 1;

    public int MinSamplesPerBucket { get; init; } = 3;

    public double Factor { get; init; } = 2.0;

    public double MarginMs { get; init; } = 25;

    /// <summary>The share of a bucket's connection count before it whose buckets form its baseline. Default 0.2.</summary>
    public double BaselineWindow { get; init; } = 0.2;

    /// <summary>The share of buckets from the knee on that must be elevated.</summary>
    public double Persistence { get; init; } = 1.0;

    private const int MinBaselineBuckets = 3;

    public IReadOnlyList<Knee> Find(IEnumerable<KneeSample> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        var knees = new List<Knee>();
        foreach (var instance in samples.GroupBy(static s => s.Instance, StringComparer.Ordinal).OrderBy(static g => g.Key, StringComparer.Ordinal))
        {
            if (FindOne(instance.Key, instance.ToList()) is { } knee)
            {
                knees.Add(knee);
            }
        }

        return knees;
    }

    /// <summary>Each VM instance's p95 latency over its connection count: the curve the knee is read from, for the report.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<KneeBucket>> Curves(IEnumerable<KneeSample> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        return samples
            .GroupBy(static s => s.Instance, StringComparer.Ordinal)
            .ToDictionary(
                static g => g.Key,
                g => (IReadOnlyList<KneeBucket>)Buckets(g).Select(static b => new KneeBucket(b.Label, b.Samples, Math.Round(b.P95, 2))).ToList(),
                StringComparer.Ordinal);
    }

    private List<(int Label, int Samples, double P95)> Buckets(IEnumerable<KneeSample> samples) => samples
        .Where(static s => s.Connections > 0)
        .GroupBy(s => (s.Connections + BucketWidth - 1) / BucketWidth - 1)
        .Where(g => g.Count() >= MinSamplesPerBucket)
        .Select(g => (Label: g.Key * BucketWidth, Samples: g.Count(), P95: Percentile(g.Select(static s => s.LatencyMs), 0.95)))
        .OrderBy(static b => b.Label)
        .ToList();

    private Knee? FindOne(string instance, List<KneeSample> samples)
    {
        var buckets = Buckets(samples);
        if (buckets.Count < 4)
        {
            return null;
        }

        var maxConnections = samples.Max(static s => s.Connections);
        for (var i = 0; i < buckets.Count; i++)
        {
            var from = buckets[i].Label * (1 - BaselineWindow);
            var window = buckets.Take(i).Where(b => b.Label >= from).Select(static b => b.P95).ToList();
            if (window.Count < MinBaselineBuckets)
            {
                window = buckets.Take(i).TakeLast(MinBaselineBuckets).Select(static b => b.P95).ToList();
            }

            if (window.Count < MinBaselineBuckets)
            {
                continue;
            }

            var baseline = Percentile(window, 0.5);
            var limit = Math.Max(baseline * Factor, baseline + MarginMs);
            var rest = buckets.Count - i;
            var elevated = buckets.Skip(i).Count(b => b.P95 > limit);
            if (buckets[i].P95 > limit && elevated >= Math.Ceiling(rest * Persistence))
            {
                return new Knee(instance, buckets[i].Label, Math.Round(baseline, 2), Math.Round(buckets[i].P95, 2), maxConnections, samples.Count);
            }
        }

        return null;
    }

    private static double Percentile(IEnumerable<double> values, double quantile)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
        {
            return 0;
        }

        var rank = (int)Math.Ceiling(quantile * sorted.Length) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Length - 1)];
    }
}
