using System.Globalization;

namespace CmgSim.LoadTests.Engine;

/// <summary>
/// One phase of a scenario's load, with NBomber's names. Closed models (<see cref="KeepConstant"/>,
/// <see cref="RampingConstant"/>, <see cref="IterationsForConstant"/>) keep a number of copies looping; open models
/// (<see cref="Inject"/>, <see cref="RampingInject"/>, <see cref="InjectRandom"/>, <see cref="IterationsForInject"/>)
/// start invocations at arrival times computed from a clock. Rates are per <c>interval</c> and may be fractional.
/// </summary>
internal abstract record LoadSimulation
{
    private protected LoadSimulation()
    {
    }

    /// <summary>Closed: hold <paramref name="copies"/> looping virtual users for <paramref name="during"/>.</summary>
    public static LoadSimulation KeepConstant(int copies, TimeSpan during) =>
        new KeepConstantSimulation(NonNegative(copies, nameof(copies)), Positive(during, nameof(during)));

    /// <summary>Closed: ramp linearly from the previous copy count (0 at the start) to <paramref name="copies"/> over <paramref name="during"/>.</summary>
    public static LoadSimulation RampingConstant(int copies, TimeSpan during) =>
        new RampingConstantSimulation(NonNegative(copies, nameof(copies)), Positive(during, nameof(during)));

    /// <summary>Open: <paramref name="rate"/> arrivals per <paramref name="interval"/> (fractions allowed) for <paramref name="during"/>.</summary>
    public static LoadSimulation Inject(double rate, TimeSpan interval, TimeSpan during) =>
        new InjectSimulation(Rate(rate, nameof(rate)), Positive(interval, nameof(interval)), Positive(during, nameof(during)));

    /// <summary>Open: ramp the arrival rate linearly from the previous rate (0 at the start) to <paramref name="rate"/> per <paramref name="interval"/>.</summary>
    public static LoadSimulation RampingInject(double rate, TimeSpan interval, TimeSpan during) =>
        new RampingInjectSimulation(Rate(rate, nameof(rate)), Positive(interval, nameof(interval)), Positive(during, nameof(during)));

    /// <summary>Open: every <paramref name="interval"/> a rate drawn uniformly from [min, max] (seeded from the run seed).</summary>
    public static LoadSimulation InjectRandom(double minRate, double maxRate, TimeSpan interval, TimeSpan during)
    {
        Rate(minRate, nameof(minRate));
        Rate(maxRate, nameof(maxRate));
        if (maxRate < minRate)
        {
            throw new ArgumentOutOfRangeException(nameof(maxRate), "maxRate must be at least minRate.");
        }

        return new InjectRandomSimulation(minRate, maxRate, Positive(interval, nameof(interval)), Positive(during, nameof(during)));
    }

    /// <summary>Closed: <paramref name="copies"/> loops share exactly <paramref name="iterations"/> invocations; the phase ends when all have completed.</summary>
    public static LoadSimulation IterationsForConstant(int copies, long iterations) =>
        new IterationsForConstantSimulation(Math.Max(1, NonNegative(copies, nameof(copies))), Count(iterations, nameof(iterations)));

    /// <summary>Open: exactly <paramref name="iterations"/> arrivals at <paramref name="rate"/> per <paramref name="interval"/>; ends when all have completed.</summary>
    public static LoadSimulation IterationsForInject(double rate, TimeSpan interval, long iterations)
    {
        if (!(rate > 0) || double.IsInfinity(rate))
        {
            throw new ArgumentOutOfRangeException(nameof(rate), "IterationsForInject needs a positive rate.");
        }

        return new IterationsForInjectSimulation(rate, Positive(interval, nameof(interval)), Count(iterations, nameof(iterations)));
    }

    /// <summary>No load for <paramref name="during"/>; copies and the arrival rate drop to 0.</summary>
    public static LoadSimulation Pause(TimeSpan during) => new PauseSimulation(Positive(during, nameof(during)));

    /// <summary>The nominal length of the phase; null for iteration-count phases.</summary>
    public abstract TimeSpan? Duration { get; }

    /// <summary>A short human description, e.g. <c>Inject(rate: 0.5, interval: 1s, during: 4s)</c>.</summary>
    public abstract string Describe();

    internal static string Span(TimeSpan value) => value.TotalSeconds >= 1 && value.TotalSeconds == Math.Floor(value.TotalSeconds)
        ? value.TotalSeconds.ToString("0", CultureInfo.InvariantCulture) + "s"
        : value.TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture) + "ms";

    internal static string Num(double value) => value.ToString("0.######", CultureInfo.InvariantCulture);

    private static int NonNegative(int value, string name) =>
        value >= 0 ? value : throw new ArgumentOutOfRangeException(name, "must not be negative.");

    private static long Count(long value, string name) =>
        value > 0 ? value : throw new ArgumentOutOfRangeException(name, "must be positive.");

    private static double Rate(double value, string name) =>
        value >= 0 && !double.IsInfinity(value) ? value : throw new ArgumentOutOfRangeException(name, "must be a finite, non-negative number.");

    private static TimeSpan Positive(TimeSpan value, string name) =>
        value > TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(name, "must be positive.");
}

internal sealed record KeepConstantSimulation(int Copies, TimeSpan During) : LoadSimulation
{
    public override TimeSpan? Duration => During;

    public override string Describe() => $"KeepConstant(copies: {Copies}, during: {Span(During)})";
}

internal sealed record RampingConstantSimulation(int Copies, TimeSpan During) : LoadSimulation
{
    public override TimeSpan? Duration => During;

    public override string Describe() => $"RampingConstant(copies: {Copies}, during: {Span(During)})";
}

internal sealed record InjectSimulation(double Rate, TimeSpan Interval, TimeSpan During) : LoadSimulation
{
    public override TimeSpan? Duration => During;

    public override string Describe() => $"Inject(rate: {Num(Rate)}, interval: {Span(Interval)}, during: {Span(During)})";
}

internal sealed record RampingInjectSimulation(double Rate, TimeSpan Interval, TimeSpan During) : LoadSimulation
{
    public override TimeSpan? Duration => During;

    public override string Describe() => $"RampingInject(rate: {Num(Rate)}, interval: {Span(Interval)}, during: {Span(During)})";
}

internal sealed record InjectRandomSimulation(double MinRate, double MaxRate, TimeSpan Interval, TimeSpan During) : LoadSimulation
{
    public override TimeSpan? Duration => During;

    public override string Describe() =>
        $"InjectRandom(minRate: {Num(MinRate)}, maxRate: {Num(MaxRate)}, interval: {Span(Interval)}, during: {Span(During)})";
}

internal sealed record IterationsForConstantSimulation(int Copies, long Iterations) : LoadSimulation
{
    public override TimeSpan? Duration => null;

    public override string Describe() => $"IterationsForConstant(copies: {Copies}, iterations: {Iterations})";
}

internal sealed record IterationsForInjectSimulation(double Rate, TimeSpan Interval, long Iterations) : LoadSimulation
{
    public override TimeSpan? Duration => null;

    public override string Describe() => $"IterationsForInject(rate: {Num(Rate)}, interval: {Span(Interval)}, iterations: {Iterations})";
}

internal sealed record PauseSimulation(TimeSpan During) : LoadSimulation
{
    public override TimeSpan? Duration => During;

    public override string Describe() => $"Pause(during: {Span(During)})";
}
