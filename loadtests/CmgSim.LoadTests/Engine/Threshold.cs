using System.Globalization;

namespace CmgSim.LoadTests.Engine;

/// <summary>
/// A condition on a step's (or, with no step, the scenario's iteration) cumulative statistics. It is checked once
/// per window while the run goes (after <see cref="StartCheckAfter"/> of measured time) and once on the final
/// statistics. A failure during the run aborts it when <see cref="AbortWhenFailed"/> (exit code 3); a failure of the
/// final check makes the exit code 1.
/// </summary>
internal sealed record Threshold(
    string? ScenarioName,
    string? StepName,
    Func<StepStats, bool> Predicate,
    bool AbortWhenFailed,
    TimeSpan StartCheckAfter,
    string Description)
{
    /// <param name="scenario">The scenario, or null when attached with <see cref="LoadScenario.WithThresholds"/>.</param>
    /// <param name="step">The step, or null for the scenario's whole iterations.</param>
    public static Threshold Create(
        string? scenario,
        string? step,
        Func<StepStats, bool> predicate,
        bool abortWhenFailed = false,
        TimeSpan startCheckAfter = default,
        string? description = null)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        return new Threshold(scenario, step, predicate, abortWhenFailed, startCheckAfter, description ?? "custom predicate");
    }

    /// <summary>Failures at most <paramref name="percent"/> % of results.</summary>
    public static Threshold FailPercentAtMost(string? scenario, string? step, double percent, bool abortWhenFailed = false, TimeSpan startCheckAfter = default) =>
        Create(scenario, step, s => s.FailPercent <= percent, abortWhenFailed, startCheckAfter, Invariant($"fail % <= {percent}"));

    /// <summary>95th percentile of successful latency (from intended start) at most <paramref name="milliseconds"/>.</summary>
    public static Threshold P95AtMost(string? scenario, string? step, double milliseconds, bool abortWhenFailed = false, TimeSpan startCheckAfter = default) =>
        Create(scenario, step, s => s.Latency.P95Ms <= milliseconds, abortWhenFailed, startCheckAfter, Invariant($"p95 <= {milliseconds} ms"));

    /// <summary>99th percentile of successful latency (from intended start) at most <paramref name="milliseconds"/>.</summary>
    public static Threshold P99AtMost(string? scenario, string? step, double milliseconds, bool abortWhenFailed = false, TimeSpan startCheckAfter = default) =>
        Create(scenario, step, s => s.Latency.P99Ms <= milliseconds, abortWhenFailed, startCheckAfter, Invariant($"p99 <= {milliseconds} ms"));

    /// <summary>Successful results per second at least <paramref name="rps"/>.</summary>
    public static Threshold OkRpsAtLeast(string? scenario, string? step, double rps, bool abortWhenFailed = false, TimeSpan startCheckAfter = default) =>
        Create(scenario, step, s => s.OkRps >= rps, abortWhenFailed, startCheckAfter, Invariant($"ok rps >= {rps}"));

    /// <summary>At most <paramref name="count"/> failures.</summary>
    public static Threshold FailCountAtMost(string? scenario, string? step, long count, bool abortWhenFailed = false, TimeSpan startCheckAfter = default) =>
        Create(scenario, step, s => s.FailCount <= count, abortWhenFailed, startCheckAfter, Invariant($"fail count <= {count}"));

    /// <summary>Where the threshold applies, e.g. <c>scenario / step</c>.</summary>
    public string Target => $"{ScenarioName ?? "?"} / {StepName ?? StepStats.IterationStepName}";

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

/// <summary>How a threshold fared: <see cref="Passed"/> is the final check; the counts cover the checks during the run.</summary>
internal sealed record ThresholdResult(
    string Scenario,
    string Step,
    string Description,
    bool AbortWhenFailed,
    bool Passed,
    int Checks,
    int FailedChecks,
    double? FirstFailureSeconds,
    bool AbortedRun,
    string? Error);
