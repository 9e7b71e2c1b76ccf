using HdrHistogram;

namespace CmgSim.LoadTests.Engine;

/// <summary>
/// HdrHistogram's Recorder pattern with a writer–reader phaser (as in the Java original): writers are wait-free
/// (two Interlocked increments around a record into a <see cref="LongConcurrentHistogram"/>); the single reader swaps
/// the active histogram out and waits for writers still inside the old one. Unlike HdrHistogram.NET's
/// <c>Recorder</c>, the reader spins with <see cref="SpinWait"/> instead of blocking on <c>Task.Delay</c>, so taking a
/// window never needs a thread-pool thread (it could otherwise stall for the pool's thread-injection delay when the
/// load saturates the pool).
/// </summary>
internal sealed class IntervalRecorder
{
    private readonly Lock _reader = new();
    private LongConcurrentHistogram _active = Create();
    private LongConcurrentHistogram _inactive = Create();
    private long _startEpoch;
    private long _evenEndEpoch;
    private long _oddEndEpoch = long.MinValue;

    public void RecordValue(long value)
    {
        var atEnter = Interlocked.Increment(ref _startEpoch) - 1;
        try
        {
            Volatile.Read(ref _active).RecordValue(value);
        }
        finally
        {
            if (atEnter < 0)
            {
                Interlocked.Increment(ref _oddEndEpoch);
            }
            else
            {
                Interlocked.Increment(ref _evenEndEpoch);
            }
        }
    }

    /// <summary>The values recorded since the previous call. Valid until the next call (single reader).</summary>
    public HistogramBase TakeInterval()
    {
        lock (_reader)
        {
            _inactive.Reset();
            var interval = Interlocked.Exchange(ref _active, _inactive);
            _inactive = interval;
            FlipPhase();
            return interval;
        }
    }

    private void FlipPhase()
    {
        var nextPhaseIsEven = Volatile.Read(ref _startEpoch) < 0;
        long initialStart;
        if (nextPhaseIsEven)
        {
            initialStart = 0;
            Interlocked.Exchange(ref _evenEndEpoch, initialStart);
        }
        else
        {
            initialStart = long.MinValue;
            Interlocked.Exchange(ref _oddEndEpoch, initialStart);
        }

        var startAtFlip = Interlocked.Exchange(ref _startEpoch, initialStart);
        var spin = default(SpinWait);
        while ((nextPhaseIsEven ? Volatile.Read(ref _oddEndEpoch) : Volatile.Read(ref _evenEndEpoch)) != startAtFlip)
        {
            spin.SpinOnce();
        }
    }

    private static LongConcurrentHistogram Create() => new(1, StepRecorder.HighestTrackableMicroseconds, 3);
}
