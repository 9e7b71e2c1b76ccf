using System.Text.Json.Serialization;

namespace CmgSim.LoadTests.Engine;

/// <summary>Exit codes of a run (and of the load-test commands).</summary>
internal static class ExitCodes
{
    /// <summary>The run completed and every threshold passed.</summary>
    public const int Passed = 0;

    /// <summary>The run completed but at least one threshold failed its final check.</summary>
    public const int ThresholdFailed = 1;

    /// <summary>Bad arguments, or a target outside loopback was refused.</summary>
    public const int Usage = 2;

    /// <summary>Stopped early: a threshold with abort failed, the max fail count was reached, or a scenario called StopRun.</summary>
    public const int Aborted = 3;

    /// <summary>A scenario's init or pre-allocated instance init failed.</summary>
    public const int Error = 4;

    /// <summary>Cancelled from outside (Ctrl+C).</summary>
    public const int Cancelled = 130;
}

[JsonConverter(typeof(JsonStringEnumConverter<RunOutcome>))]
internal enum RunOutcome
{
    Passed,
    ThresholdsFailed,
    Aborted,
    Refused,
    Failed,
    Cancelled,
}

/// <summary>One window of one step (or iteration) in the time series. <see cref="T"/> is seconds since the run started, at the window's end.</summary>
internal sealed record WindowPoint(
    double T,
    double Seconds,
    long Ok,
    long Fail,
    double Rps,
    double P50Ms,
    double P95Ms,
    double P99Ms,
    double ServiceP50Ms,
    double ServiceP99Ms,
    int Copies)
{
    public long Count => Ok + Fail;
}

/// <summary>Values of one gauge group (a sampler, or a scenario's pushed gauges) at the end of each window.</summary>
internal sealed record GaugeSeries(string Name, IReadOnlyList<GaugePoint> Points, int FailedSamples);

internal sealed record GaugePoint(double T, IReadOnlyDictionary<string, double> Values);

internal sealed record ScenarioResult(
    string Name,
    double WarmUpSeconds,
    IReadOnlyList<string> Simulations,
    double DurationSeconds,
    long LateStarts,
    long Dropped,
    long Interrupted,
    long WarmUpInvocations,
    int Abandoned,
    StepStats Iteration,
    IReadOnlyList<StepStats> Steps,
    IReadOnlyList<WindowPoint> Series,
    IReadOnlyDictionary<string, IReadOnlyList<WindowPoint>> StepSeries,
    IReadOnlyList<string> Errors)
{
    /// <summary>The step's statistics, or the iteration's for null / <see cref="StepStats.IterationStepName"/>; null if the step never ran.</summary>
    public StepStats? GetStep(string? name) =>
        name is null or StepStats.IterationStepName ? Iteration : Steps.FirstOrDefault(s => s.StepName == name);
}

internal sealed record RunResult(
    string Title,
    DateTimeOffset StartedUtc,
    double DurationSeconds,
    int Seed,
    double WindowSeconds,
    double? TimeCompression,
    RunOutcome Outcome,
    int ExitCode,
    string? Reason,
    IReadOnlyList<ScenarioResult> Scenarios,
    IReadOnlyList<ThresholdResult> Thresholds,
    IReadOnlyList<GaugeSeries> Gauges)
{
    /// <summary>Extra sections, each serialised under its name at the top level of report.json.</summary>
    [JsonIgnore]
    public IReadOnlyDictionary<string, object?> ReportSections { get; init; } = new Dictionary<string, object?>();

    /// <summary>Full paths of the report files written.</summary>
    [JsonIgnore]
    public IReadOnlyList<string> ReportFiles { get; init; } = [];

    public ScenarioResult GetScenario(string name) =>
        Scenarios.FirstOrDefault(s => s.Name == name) ?? throw new KeyNotFoundException($"No scenario '{name}' in the result.");
}
