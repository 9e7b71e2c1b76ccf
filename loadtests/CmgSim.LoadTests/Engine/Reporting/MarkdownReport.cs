using System.Globalization;
using System.Text;
using System.Text.Json;

namespace CmgSim.LoadTests.Engine.Reporting;

/// <summary>report.md: run summary, the statistics table, status/error codes, thresholds, gauges and extra sections.</summary>
internal static class MarkdownReport
{
    public static readonly string[] StatsHeaders =
        ["scenario", "step", "ok", "fail", "fail %", "rps", "p50 ms", "p75 ms", "p95 ms", "p99 ms", "p99.9 ms", "max ms", "svc p50 ms", "svc p99 ms", "bytes"];

    public static string Render(RunResult result)
    {
        var md = new StringBuilder();
        md.AppendLine(F($"# {result.Title}")).AppendLine();
        md.AppendLine(F($"- started {result.StartedUtc:yyyy-MM-dd HH:mm:ss} UTC, {result.DurationSeconds:0.0} s, seed {result.Seed}, window {result.WindowSeconds:0.###} s"));
        if (result.TimeCompression is { } factor)
        {
            md.AppendLine(F($"- scenario clock compressed {factor:0.###}x (statistics in real time)"));
        }

        md.AppendLine(F($"- outcome **{result.Outcome}**, exit code {result.ExitCode}{(result.Reason is { } r ? ": " + r : "")}")).AppendLine();
        md.AppendLine("Latency is measured from each invocation's intended start (coordinated omission corrected); ")
            .AppendLine("service time (svc) from its actual start. Both cover successful results.").AppendLine();

        md.AppendLine("## Statistics").AppendLine();
        md.AppendLine("| " + string.Join(" | ", StatsHeaders) + " |");
        md.AppendLine("|" + string.Concat(StatsHeaders.Select((_, i) => i < 2 ? "---|" : "---:|")));
        foreach (var scenario in result.Scenarios)
        {
            foreach (var s in scenario.Steps.Prepend(scenario.Iteration))
            {
                md.AppendLine(F($"| {Cell(scenario.Name)} | {Cell(s.StepName)} | {s.OkCount} | {s.FailCount} | {s.FailPercent:0.##} | {s.Rps:0.0} | {s.Latency.P50Ms:0.###} | {s.Latency.P75Ms:0.###} | {s.Latency.P95Ms:0.###} | {s.Latency.P99Ms:0.###} | {s.Latency.P999Ms:0.###} | {s.Latency.MaxMs:0.###} | {s.ServiceTime.P50Ms:0.###} | {s.ServiceTime.P99Ms:0.###} | {s.Bytes} |"));
            }
        }

        md.AppendLine();
        foreach (var scenario in result.Scenarios)
        {
            md.AppendLine(F($"## {scenario.Name}")).AppendLine();
            md.AppendLine(F($"- load: {string.Join(", ", scenario.Simulations)}; warm-up {scenario.WarmUpSeconds:0.###} s ({scenario.WarmUpInvocations} invocations, not counted)"));
            md.AppendLine(F($"- measured {scenario.DurationSeconds:0.###} s; {scenario.LateStarts} late starts, {scenario.Dropped} dropped, {scenario.Interrupted} interrupted at stop, {scenario.Abandoned} abandoned"));
            foreach (var error in scenario.Errors)
            {
                md.AppendLine(F($"- error: {error}"));
            }

            md.AppendLine();
            var codes = scenario.Steps.Prepend(scenario.Iteration).Where(s => s.StatusCodes.Count + s.ErrorCodes.Count > 0).ToList();
            if (codes.Count > 0)
            {
                md.AppendLine("| step | status codes | error codes | first message per error code |").AppendLine("|---|---|---|---|");
                foreach (var s in codes)
                {
                    md.AppendLine(F($"| {Cell(s.StepName)} | {Cell(Join(s.StatusCodes))} | {Cell(Join(s.ErrorCodes))} | {Cell(string.Join("; ", s.ErrorMessages.Select(m => $"{m.Key}: {m.Value}")))} |"));
                }

                md.AppendLine();
            }
        }

        if (result.Thresholds.Count > 0)
        {
            md.AppendLine("## Thresholds").AppendLine();
            md.AppendLine("| scenario | step | threshold | result | checks failed | first failure s | aborted run |").AppendLine("|---|---|---|---|---:|---:|---|");
            foreach (var t in result.Thresholds)
            {
                md.AppendLine(F($"| {Cell(t.Scenario)} | {Cell(t.Step)} | {Cell(t.Description)} | {(t.Passed ? "passed" : "**failed**")}{(t.Error is { } e ? " (" + Cell(e) + ")" : "")} | {t.FailedChecks}/{t.Checks} | {t.FirstFailureSeconds?.ToString("0.###", CultureInfo.InvariantCulture) ?? ""} | {(t.AbortedRun ? "yes" : "")} |"));
            }

            md.AppendLine();
        }

        if (result.Gauges.Count > 0)
        {
            md.AppendLine("## Gauges").AppendLine();
            md.AppendLine("| group | gauge | samples | min | max | last |").AppendLine("|---|---|---:|---:|---:|---:|");
            foreach (var group in result.Gauges)
            {
                foreach (var key in group.Points.SelectMany(p => p.Values.Keys).Distinct().Order(StringComparer.Ordinal))
                {
                    var values = group.Points.Where(p => p.Values.ContainsKey(key)).Select(p => p.Values[key]).ToList();
                    md.AppendLine(F($"| {Cell(group.Name)} | {Cell(key)} | {values.Count} | {values.Min():0.###} | {values.Max():0.###} | {values[^1]:0.###} |"));
                }
            }

            md.AppendLine();
        }

        foreach (var (name, value) in result.ReportSections)
        {
            md.AppendLine(F($"## {name}")).AppendLine().AppendLine("```json");
            md.AppendLine(value is null ? "null" : JsonSerializer.Serialize(value, value.GetType(), JsonReport.Options));
            md.AppendLine("```").AppendLine();
        }

        return md.ToString();
    }

    private static string Join<TKey>(IReadOnlyDictionary<TKey, long> counts)
        where TKey : notnull =>
        string.Join(", ", counts.Select(c => F($"{c.Key}={c.Value}")));

    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).Replace('\n', ' ').Replace('\r', ' ');

    private static string F(FormattableString value) => value.ToString(CultureInfo.InvariantCulture);
}
