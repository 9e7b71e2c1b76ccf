using System.Globalization;
using System.Text;

namespace CmgSim.LoadTests.Engine.Progress;

/// <summary>The end-of-run summary as a plain-text table (works on any console and in CI logs).</summary>
internal static class ConsoleSummary
{
    private static readonly string[] Headers = ["scenario", "step", "ok", "fail", "rps", "p50 ms", "p95 ms", "p99 ms", "max ms", "svc p50 ms"];

    public static string Text(RunResult result)
    {
        var text = new StringBuilder().AppendLine();
        var rows = new List<string[]>();
        foreach (var scenario in result.Scenarios)
        {
            foreach (var stats in scenario.Steps.Prepend(scenario.Iteration))
            {
                rows.Add(
                [
                    scenario.Name,
                    stats.StepName,
                    F($"{stats.OkCount}"),
                    F($"{stats.FailCount}"),
                    F($"{stats.Rps:0.0}"),
                    F($"{stats.Latency.P50Ms:0.###}"),
                    F($"{stats.Latency.P95Ms:0.###}"),
                    F($"{stats.Latency.P99Ms:0.###}"),
                    F($"{stats.Latency.MaxMs:0.###}"),
                    F($"{stats.ServiceTime.P50Ms:0.###}"),
                ]);
            }
        }

        if (rows.Count > 0)
        {
            var widths = Headers.Select((h, i) => Math.Max(h.Length, rows.Max(r => r[i].Length))).ToArray();
            Append(text, Headers, widths);
            Append(text, [.. widths.Select(w => new string('-', w))], widths);
            foreach (var row in rows)
            {
                Append(text, row, widths);
            }
        }

        foreach (var scenario in result.Scenarios.Where(s => s.LateStarts + s.Dropped + s.Interrupted > 0))
        {
            text.AppendLine(F($"{scenario.Name}: {scenario.LateStarts} late starts, {scenario.Dropped} dropped, {scenario.Interrupted} interrupted at stop"));
        }

        foreach (var threshold in result.Thresholds)
        {
            text.AppendLine(F($"threshold {(threshold.Passed ? "passed" : "FAILED")}: {threshold.Scenario} / {threshold.Step}: {threshold.Description}"));
        }

        text.AppendLine(F($"{result.Outcome} (exit code {result.ExitCode}){(result.Reason is { } r ? ": " + r : "")}, {result.DurationSeconds:0.0} s"));
        foreach (var file in result.ReportFiles)
        {
            text.AppendLine(F($"  report {file}"));
        }

        return text.ToString();
    }

    private static void Append(StringBuilder text, string[] cells, int[] widths)
    {
        for (var i = 0; i < cells.Length; i++)
        {
            text.Append(i < 2 ? cells[i].PadRight(widths[i]) + "  " : cells[i].PadLeft(widths[i]) + "  ");
        }

        text.Length -= 2;
        text.AppendLine();
    }

    private static string F(FormattableString value) => value.ToString(CultureInfo.InvariantCulture);
}
