namespace CmgSim.LoadTests.Engine;

/// <summary>
/// A clock that runs <see cref="Factor"/> times faster than an inner clock (real time by default): GetUtcNow,
/// timestamps, timers, <c>Task.Delay(…, provider)</c> and <c>PeriodicTimer</c> all advance factor× faster. For client
/// schedules (policy polling every 60 simulated minutes at factor 60 fires every real minute); the engine's
/// statistics keep using the real clock.
/// </summary>
internal sealed class CompressedTimeProvider : TimeProvider
{
    private readonly TimeProvider _inner;
    private readonly DateTimeOffset _innerStartUtc;
    private readonly DateTimeOffset _startUtc;
    private readonly long _innerStartTimestamp;

    public CompressedTimeProvider(double factor)
        : this(System, factor)
    {
    }

    /// <param name="startUtc">The simulated time at creation; the inner clock's time by default.</param>
    public CompressedTimeProvider(TimeProvider inner, double factor, DateTimeOffset? startUtc = null)
    {
        ArgumentNullException.ThrowIfNull(inner);
        if (!(factor > 0) || double.IsInfinity(factor))
        {
            throw new ArgumentOutOfRangeException(nameof(factor), "must be a positive, finite number.");
        }

        _inner = inner;
        Factor = factor;
        _innerStartUtc = inner.GetUtcNow();
        _startUtc = startUtc ?? _innerStartUtc;
        _innerStartTimestamp = inner.GetTimestamp();
    }

    public double Factor { get; }

    public override TimeZoneInfo LocalTimeZone => _inner.LocalTimeZone;

    public override long TimestampFrequency => _inner.TimestampFrequency;

    public override DateTimeOffset GetUtcNow() =>
        _startUtc + TimeSpan.FromTicks((long)((_inner.GetUtcNow() - _innerStartUtc).Ticks * Factor));

    public override long GetTimestamp() =>
        _innerStartTimestamp + (long)((_inner.GetTimestamp() - _innerStartTimestamp) * Factor);

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        new CompressedTimer(_inner.CreateTimer(callback, state, ToInner(dueTime), ToInner(period)), this);

    /// <summary>A simulated span as real (inner) time.</summary>
    public TimeSpan ToInner(TimeSpan simulated)
    {
        if (simulated == Timeout.InfiniteTimeSpan || simulated <= TimeSpan.Zero)
        {
            return simulated;
        }

        // Never round a positive span down to zero: a zero period would turn a periodic timer into a one-shot.
        return TimeSpan.FromTicks(Math.Max(1, (long)(simulated.Ticks / Factor)));
    }

    private sealed class CompressedTimer(ITimer inner, CompressedTimeProvider provider) : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period) => inner.Change(provider.ToInner(dueTime), provider.ToInner(period));

        public void Dispose() => inner.Dispose();

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
