namespace CmgSim.LoadTests.Engine;

/// <summary>One stretch of an open model: the arrival rate goes linearly from <see cref="StartRate"/> to <see cref="EndRate"/> (per second).</summary>
internal readonly record struct RateSegment(double Seconds, double StartRate, double EndRate)
{
    /// <summary>Expected arrivals in the whole segment: the integral of the rate.</summary>
    public double ExpectedArrivals => (StartRate + EndRate) * Seconds / 2;
}

/// <summary>
/// Arrival times of an open model, computed from the rate function rather than from a limiter queue. The expected
/// number of arrivals up to time t is Λ(t) = ∫ rate; the k-th arrival (k = 0, 1, …) is where Λ(t) = k, so fractional
/// rates work (0.5/s gives arrivals at 0 s, 2 s, 4 s …) and consecutive segments carry their fractions over. With
/// Poisson arrivals the targets are cumulative sums of Exp(1) draws from a seeded <see cref="Random"/> instead:
/// a (non-homogeneous) Poisson process with the same rate function, reproducible for a given seed.
/// </summary>
internal sealed class ArrivalSchedule
{
    /// <summary>Floating-point slack at segment ends: an arrival exactly at the end belongs to the next segment.</summary>
    private const double Epsilon = 1e-9;

    private readonly IReadOnlyList<RateSegment> _segments;
    private readonly Random? _poisson;
    private readonly long _maxCount;
    private int _segment;
    private double _segmentStartSeconds;
    private double _segmentStartArrivals;
    private double _nextTarget;
    private long _emitted;

    public ArrivalSchedule(IReadOnlyList<RateSegment> segments, Random? poisson = null, long maxCount = long.MaxValue)
    {
        _segments = segments;
        _poisson = poisson;
        _maxCount = maxCount;
        _nextTarget = poisson is null ? 0 : NextExponential(poisson);
    }

    /// <summary>Total nominal length of the schedule in seconds (infinite segments make it infinite).</summary>
    public double TotalSeconds => _segments.Sum(s => s.Seconds);

    /// <summary>Arrivals produced so far.</summary>
    public long Emitted => _emitted;

    /// <summary>The next arrival's offset in seconds from the start of the schedule; false when there are no more.</summary>
    public bool TryNext(out double offsetSeconds)
    {
        offsetSeconds = 0;
        if (_emitted >= _maxCount)
        {
            return false;
        }

        while (_segment < _segments.Count)
        {
            var segment = _segments[_segment];
            var within = _nextTarget - _segmentStartArrivals;
            if (within < segment.ExpectedArrivals - Epsilon || double.IsPositiveInfinity(segment.Seconds))
            {
                var tau = Solve(segment, within);
                if (!double.IsNaN(tau) && tau < segment.Seconds - Epsilon)
                {
                    offsetSeconds = _segmentStartSeconds + tau;
                    _emitted++;
                    _nextTarget = _poisson is null ? _emitted : _nextTarget + NextExponential(_poisson);
                    return true;
                }

                if (double.IsPositiveInfinity(segment.Seconds))
                {
                    return false;
                }
            }

            _segmentStartSeconds += segment.Seconds;
            _segmentStartArrivals += segment.ExpectedArrivals;
            _segment++;
        }

        return false;
    }

    /// <summary>Consumes and counts the arrivals still to come (used when a phase ends before they could start).</summary>
    public long DrainRemaining()
    {
        long skipped = 0;
        while (TryNext(out _))
        {
            skipped++;
        }

        return skipped;
    }

    /// <summary>Time τ into the segment where r0·τ + (r1 − r0)·τ²/(2d) = x, in a form that is stable for any sign of the slope.</summary>
    internal static double Solve(RateSegment segment, double x)
    {
        if (x <= 0)
        {
            return 0;
        }

        var b = segment.StartRate;
        var a = double.IsPositiveInfinity(segment.Seconds) ? 0 : (segment.EndRate - segment.StartRate) / (2 * segment.Seconds);
        var discriminant = (b * b) + (4 * a * x);
        if (discriminant < 0)
        {
            return double.NaN;
        }

        var denominator = b + Math.Sqrt(discriminant);
        return denominator > 0 ? 2 * x / denominator : double.NaN;
    }

    private static double NextExponential(Random random) => -Math.Log(1 - random.NextDouble());
}
