using Spectre.Console;

namespace CmgSim.LoadTests.Engine.Progress;

/// <summary>How the runner shows progress on the console.</summary>
internal enum ProgressMode
{
    /// <summary>A live table on an interactive terminal; plain periodic lines when output is redirected (CI).</summary>
    Auto,

    /// <summary>Always the Spectre.Console live table.</summary>
    Live,

    /// <summary>Always plain lines, every few seconds.</summary>
    Plain,

    /// <summary>Nothing (tests, embedding).</summary>
    None,
}

/// <summary>One scenario's line in the progress display; rates and percentiles are for the last window, counts cumulative.</summary>
internal sealed record ProgressRow(
    string Scenario,
    ScenarioPhase Phase,
    int Copies,
    double Rps,
    long Ok,
    long Fail,
    double P50Ms,
    double P95Ms,
    double P99Ms,
    long LateStarts,
    long Dropped,
    long WarmUpInvocations);

internal sealed record ProgressSnapshot(double ElapsedSeconds, IReadOnlyList<ProgressRow> Rows);

internal interface IProgressSink
{
    void Start(string title);

    /// <summary>Called by the window loop once per window; must not block.</summary>
    void Update(ProgressSnapshot snapshot);

    Task CompleteAsync(RunResult result);
}

internal static class ProgressSink
{
    public static IProgressSink Create(ProgressMode mode, TextWriter? writer, TimeSpan plainInterval)
    {
        if (mode == ProgressMode.Auto)
        {
            mode = writer is null && !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive
                ? ProgressMode.Live
                : ProgressMode.Plain;
        }

        return mode switch
        {
            ProgressMode.None => new NoProgress(),
            ProgressMode.Live => new LiveProgress(),
            _ => new PlainProgress(writer ?? Console.Out, plainInterval),
        };
    }

    private sealed class NoProgress : IProgressSink
    {
        public void Start(string title)
        {
        }

        public void Update(ProgressSnapshot snapshot)
        {
        }

        public Task CompleteAsync(RunResult result) => Task.CompletedTask;
    }
}
