using CmgSim.LoadTests.Scenarios;

namespace CmgSim.LoadTests.Tests.Scenarios;

public sealed class KneeDetectorTests
{
    [Fact]
    public void Knee_is_the_last_connection_count_at_baseline()
    {
        var samples = Ramp("IN_0", supported: 10, max: 16, baseline: 20, overloaded: 300);

        var knee = Assert.Single(new KneeDetector().Find(samples));

        Assert.Equal("IN_0", knee.Instance);
        Assert.Equal(10, knee.Connections);
        Assert.Equal(16, knee.MaxConnections);
    }

    [Fact]
    public void A_noisy_bucket_before_the_knee_does_not_move_it()
    {
        var samples = Ramp("IN_0", supported: 10, max: 16, baseline: 20, overloaded: 300)
            .Concat(Enumerable.Repeat(new KneeSample("IN_0", 6, 500), 5))
            .Concat(Enumerable.Repeat(new KneeSample("IN_0", 6, 20), 30));

        Assert.Equal(10, Assert.Single(new KneeDetector().Find(samples)).Connections);
    }

    [Fact]
    public void Wide_buckets_report_their_lower_bound_so_2000_stays_2000()
    {
        var samples = Ramp("IN_0", supported: 2000, max: 2600, baseline: 15, overloaded: 70, step: 5);

        Assert.Equal(2000, Assert.Single(new KneeDetector { BucketWidth = 20 }.Find(samples)).Connections);
    }

    [Fact]
    public void Instances_are_judged_apart_and_a_flat_one_has_no_knee()
    {
        var samples = Ramp("IN_0", supported: 10, max: 15, baseline: 20, overloaded: 300)
            .Concat(Ramp("IN_1", supported: 100, max: 15, baseline: 20, overloaded: 300));

        var knee = Assert.Single(new KneeDetector().Find(samples));

        Assert.Equal("IN_0", knee.Instance);
    }

    [Fact]
    public void A_noise_floor_rising_with_the_load_does_not_pull_the_knee_below_the_limit()
    {
        // The load generator shares the cores: its own latency floor triples on the way to 2,000 connections,
        // then the VM limit adds its delay on top.
        var samples = Enumerable.Range(1, 2600).SelectMany(connections => Enumerable.Range(0, 3).Select(i =>
            new KneeSample("IN_0", connections, 20 + (0.04 * connections) + i + (connections > 2000 ? 150 + (connections - 2000) : 0))));

        var knee = Assert.Single(new KneeDetector { BucketWidth = 20 }.Find(samples));

        Assert.Equal(2000, knee.Connections);
        Assert.InRange(knee.BaselineP95Ms, 90, 102);
    }

    [Fact]
    public void The_curve_has_one_point_per_bucket_with_its_samples_and_p95()
    {
        var samples = Ramp("IN_0", supported: 10, max: 16, baseline: 20, overloaded: 300);

        var curve = new KneeDetector { BucketWidth = 4 }.Curves(samples)["IN_0"];

        Assert.Equal([0, 4, 8, 12], curve.Select(static b => b.Connections));
        Assert.All(curve, static b => Assert.Equal(20, b.Samples));
        Assert.Equal(24, curve[0].P95Ms);
        Assert.Equal(306, curve[^1].P95Ms);
    }

    /// <summary>Five samples at every connection count up to <paramref name="max"/>; past <paramref name="supported"/> they are slow.</summary>
    private static IEnumerable<KneeSample> Ramp(string instance, int supported, int max, double baseline, double overloaded, int step = 1)
    {
        for (var connections = 1; connections <= max; connections += step)
        {
            for (var i = 0; i < 5; i++)
            {
                yield return new KneeSample(instance, connections, connections > supported ? overloaded + connections - supported : baseline + i);
            }
        }
    }
}
