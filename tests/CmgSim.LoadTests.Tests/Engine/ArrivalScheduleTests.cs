using CmgSim.LoadTests.Engine;

namespace CmgSim.LoadTests.Tests.Engine;

public sealed class ArrivalScheduleTests
{
    private static List<double> All(ArrivalSchedule schedule)
    {
        var offsets = new List<double>();
        while (schedule.TryNext(out var offset))
        {
            offsets.Add(offset);
        }

        return offsets;
    }

    [Fact]
    public void Constant_rate_spaces_arrivals_evenly_from_the_start()
    {
        var offsets = All(new ArrivalSchedule([new RateSegment(1, 20, 20)]));

        Assert.Equal(20, offsets.Count);
        Assert.Equal(0, offsets[0]);
        Assert.All(offsets.Zip(offsets.Skip(1)), pair => Assert.Equal(0.05, pair.Second - pair.First, 9));
    }

    [Fact]
    public void Fractional_rates_carry_over_and_give_exact_counts()
    {
        // 0.5 per second for 4 s: arrivals at 0 s and 2 s.
        Assert.Equal([0.0, 2.0], All(new ArrivalSchedule([new RateSegment(4, 0.5, 0.5)])));

        // 1 per 2.5 s over 10 s, split into two segments: the fraction crosses the boundary.
        var split = All(new ArrivalSchedule([new RateSegment(3, 0.4, 0.4), new RateSegment(7, 0.4, 0.4)]));
        Assert.Equal(4, split.Count);
        Assert.Equal([0, 2.5, 5, 7.5], split.Select(o => Math.Round(o, 9)));
    }

    [Fact]
    public void Ramping_rate_produces_the_integral_of_the_rate()
    {
        // 0 → 100/s over 2 s: 100 arrivals, denser towards the end.
        var offsets = All(new ArrivalSchedule([new RateSegment(2, 0, 100)]));

        Assert.Equal(100, offsets.Count);
        Assert.InRange(offsets.Count(o => o < 1), 25, 26); // Λ(1 s) = 25
        Assert.Equal(offsets.Order(), offsets);

        // Ramping down 100 → 0/s over 2 s also produces 100, denser at the start.
        var down = All(new ArrivalSchedule([new RateSegment(2, 100, 0)]));
        Assert.Equal(100, down.Count);
        Assert.InRange(down.Count(o => o < 1), 75, 76); // Λ(1 s) = 75
    }

    [Fact]
    public void Zero_rate_segments_pause_and_a_cap_limits_the_count()
    {
        var paused = All(new ArrivalSchedule([new RateSegment(1, 2, 2), new RateSegment(5, 0, 0), new RateSegment(1, 2, 2)]));
        Assert.Equal([0, 0.5, 6, 6.5], paused);

        var capped = All(new ArrivalSchedule([new RateSegment(double.PositiveInfinity, 10, 10)], maxCount: 7));
        Assert.Equal(7, capped.Count);
        Assert.Equal(0.6, capped[^1], 9);
    }

    [Fact]
    public void Poisson_arrivals_with_a_seed_are_reproducible_and_keep_the_rate()
    {
        var first = All(new ArrivalSchedule([new RateSegment(100, 20, 20)], new Random(42)));
        var again = All(new ArrivalSchedule([new RateSegment(100, 20, 20)], new Random(42)));
        var other = All(new ArrivalSchedule([new RateSegment(100, 20, 20)], new Random(43)));

        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
        Assert.InRange(first.Count, 2000 * 0.9, 2000 * 1.1);

        // Exponential gaps: their coefficient of variation is about 1 (even spacing would give 0).
        var gaps = first.Zip(first.Skip(1), (a, b) => b - a).ToList();
        var mean = gaps.Average();
        var sd = Math.Sqrt(gaps.Average(g => (g - mean) * (g - mean)));
        Assert.InRange(sd / mean, 0.85, 1.15);
    }

    [Fact]
    public void DrainRemaining_counts_what_is_left()
    {
        var schedule = new ArrivalSchedule([new RateSegment(1, 10, 10)]);
        Assert.True(schedule.TryNext(out _));
        Assert.True(schedule.TryNext(out _));

        Assert.Equal(8, schedule.DrainRemaining());
        Assert.False(schedule.TryNext(out _));
    }
}
