namespace CmgSim.LoadTests.Engine.Progress;

/// <summary>Periodic plain lines, safe for redirected output and CI logs; the summary table at the end.</summary>
internal sealed class PlainProgress(TextWriter writer, TimeSpan interval) : IProgressSink
{
    private double _lastPrinted = double.NegativeInfinity;

    public void Start(string title) => writer.WriteLine(title);

    public void Update(ProgressSnapshot snapshot)
    {
        if (snapshot.ElapsedSeconds - _lastPrinted < interval.TotalSeconds - 1e-3)
        {
            return;
        }

        _lastPrinted = snapshot.ElapsedSeconds;
        foreach (var row in snapshot.Rows)
        {
            writer.WriteLine(Line(snapshot.ElapsedSeconds, row));
        }

        writer.Flush();
    }

    public async Task CompleteAsync(RunResult result)
    {
        await writer.WriteAsync(ConsoleSummary.Text(result));
        await writer.FlushAsync();
    }

    internal static string Line(double elapsed, ProgressRow row) => FormattableString.Invariant(
        $"[{elapsed,7:0.0}s] {row.Scenario} {Phase(row.Phase)} copies={row.Copies} rps={row.Rps:0.0} ok={row.Ok} fail={row.Fail} p50={row.P50Ms:0.###}ms p95={row.P95Ms:0.###}ms p99={row.P99Ms:0.###}ms late={row.LateStarts} dropped={row.Dropped}{(row.Phase == ScenarioPhase.WarmUp ? FormattableString.Invariant($" warm-up-invocations={row.WarmUpInvocations}") : "")}");

    internal static string Phase(ScenarioPhase phase) => phase switch
    {
        ScenarioPhase.WarmUp => "warm-up",
        ScenarioPhase.Running => "running",
        ScenarioPhase.Draining => "draining",
        ScenarioPhase.Finished => "done",
        _ => "pending",
    };
}
