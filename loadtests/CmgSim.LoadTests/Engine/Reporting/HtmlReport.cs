using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

namespace CmgSim.LoadTests.Engine.Reporting;

/// <summary>report.html: one self-contained page (inline CSS and SVG, no scripts) with summary tables and charts.</summary>
internal static class HtmlReport
{
    private const string Style = """
        body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px;color:#222;max-width:1200px}
        h1{font-size:1.5em}h2{font-size:1.25em;margin-top:2em;border-bottom:1px solid #ddd}h3{font-size:1.05em}
        table{border-collapse:collapse;margin:8px 0 16px;font-size:.85em}th,td{border:1px solid #ccc;padding:3px 7px}
        th{background:#f3f3f3}td.n{text-align:right;font-variant-numeric:tabular-nums}
        .ok{color:#1a7f37}.bad{color:#c62828;font-weight:bold}.muted{color:#666}
        svg.chart{display:block;margin:6px 0 18px;max-width:100%;height:auto}
        svg .grid{stroke:#e6e6e6;stroke-width:1}svg .frame{fill:none;stroke:#999}
        svg .tick,svg .legend{font-size:11px;fill:#444}svg .axis{font-size:12px;fill:#333}svg .ct{font-size:14px;font-weight:600;fill:#222}
        pre{background:#f6f8fa;padding:8px;overflow:auto;font-size:.8em}
        """;

    public static string Render(RunResult result)
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">");
        html.Append(F($"<title>{E(result.Title)}</title><style>{Style}</style></head><body>"));
        html.Append(F($"<h1>{E(result.Title)}</h1>"));
        html.Append(F($"<p>Started {result.StartedUtc:yyyy-MM-dd HH:mm:ss} UTC · {result.DurationSeconds:0.0} s · seed {result.Seed} · window {result.WindowSeconds:0.###} s"));
        if (result.TimeCompression is { } factor)
        {
            html.Append(F($" · scenario clock {factor:0.###}× (statistics in real time)"));
        }

        var outcomeClass = result.ExitCode == 0 ? "ok" : "bad";
        html.Append(F($"<br>Outcome <span class=\"{outcomeClass}\">{result.Outcome}</span>, exit code {result.ExitCode}{(result.Reason is { } r ? " — " + E(r) : "")}</p>"));
        html.Append("<p class=\"muted\">Latency runs from each invocation's intended start (coordinated omission corrected); service time from its actual start. Both cover successful results.</p>");

        html.Append("<h2>Statistics</h2><table><tr>");
        foreach (var header in MarkdownReport.StatsHeaders)
        {
            html.Append(F($"<th>{E(header)}</th>"));
        }

        html.Append("</tr>");
        foreach (var scenario in result.Scenarios)
        {
            foreach (var s in scenario.Steps.Prepend(scenario.Iteration))
            {
                html.Append(F($"<tr><td>{E(scenario.Name)}</td><td>{E(s.StepName)}</td>"));
                foreach (var value in new[] { s.OkCount, s.FailCount })
                {
                    html.Append(F($"<td class=\"n\">{value}</td>"));
                }

                foreach (var value in new[] { s.FailPercent, s.Rps, s.Latency.P50Ms, s.Latency.P75Ms, s.Latency.P95Ms, s.Latency.P99Ms, s.Latency.P999Ms, s.Latency.MaxMs, s.ServiceTime.P50Ms, s.ServiceTime.P99Ms })
                {
                    html.Append(F($"<td class=\"n\">{value:0.###}</td>"));
                }

                html.Append(F($"<td class=\"n\">{s.Bytes}</td></tr>"));
            }
        }

        html.Append("</table>");

        if (result.Thresholds.Count > 0)
        {
            html.Append("<h2>Thresholds</h2><table><tr><th>scenario</th><th>step</th><th>threshold</th><th>result</th><th>checks failed</th><th>first failure s</th><th>aborted run</th></tr>");
            foreach (var t in result.Thresholds)
            {
                html.Append(F($"<tr><td>{E(t.Scenario)}</td><td>{E(t.Step)}</td><td>{E(t.Description)}</td>"));
                html.Append(t.Passed ? "<td class=\"ok\">passed</td>" : F($"<td class=\"bad\">failed{(t.Error is { } e ? " (" + E(e) + ")" : "")}</td>"));
                html.Append(F($"<td class=\"n\">{t.FailedChecks}/{t.Checks}</td><td class=\"n\">{t.FirstFailureSeconds?.ToString("0.###", CultureInfo.InvariantCulture)}</td><td>{(t.AbortedRun ? "yes" : "")}</td></tr>"));
            }

            html.Append("</table>");
        }

        foreach (var scenario in result.Scenarios)
        {
            html.Append(F($"<h2>Scenario {E(scenario.Name)}</h2>"));
            html.Append(F($"<p>Load: {E(string.Join(", ", scenario.Simulations))}. Warm-up {scenario.WarmUpSeconds:0.###} s ({scenario.WarmUpInvocations} invocations, not counted). "));
            html.Append(F($"Measured {scenario.DurationSeconds:0.###} s; {scenario.LateStarts} late starts, {scenario.Dropped} dropped, {scenario.Interrupted} interrupted at stop.</p>"));
            foreach (var error in scenario.Errors)
            {
                html.Append(F($"<p class=\"bad\">{E(error)}</p>"));
            }

            html.Append(LatencyChart($"{scenario.Name}: iteration latency", scenario.Series));
            html.Append(SvgChart.Line(
                $"{scenario.Name}: throughput and virtual users",
                "seconds since start",
                "per second / copies",
                [
                    new ChartSeries("ok/s", [.. scenario.Series.Select(p => (p.T, p.Seconds > 0 ? p.Ok / p.Seconds : double.NaN))]),
                    new ChartSeries("fail/s", [.. scenario.Series.Select(p => (p.T, p.Seconds > 0 ? p.Fail / p.Seconds : double.NaN))]),
                    new ChartSeries("copies", [.. scenario.Series.Select(p => (p.T, (double)p.Copies))], Dashed: true),
                ]));
            foreach (var (step, series) in scenario.StepSeries)
            {
                html.Append(LatencyChart($"{scenario.Name} / {step}: latency", series));
            }

            var codes = scenario.Steps.Prepend(scenario.Iteration).Where(s => s.StatusCodes.Count + s.ErrorCodes.Count > 0).ToList();
            if (codes.Count > 0)
            {
                html.Append("<h3>Status and error codes</h3><table><tr><th>step</th><th>status codes</th><th>error codes</th><th>first message</th></tr>");
                foreach (var s in codes)
                {
                    html.Append(F($"<tr><td>{E(s.StepName)}</td><td>{E(string.Join(", ", s.StatusCodes.Select(c => F($"{c.Key}={c.Value}"))))}</td>"));
                    html.Append(F($"<td>{E(string.Join(", ", s.ErrorCodes.Select(c => F($"{c.Key}={c.Value}"))))}</td><td>{E(string.Join("; ", s.ErrorMessages.Select(m => $"{m.Key}: {m.Value}")))}</td></tr>"));
                }

                html.Append("</table>");
            }
        }

        if (result.Gauges.Count > 0)
        {
            html.Append("<h2>Gauges</h2>");
            foreach (var group in result.Gauges)
            {
                var keys = group.Points.SelectMany(p => p.Values.Keys).Distinct().Order(StringComparer.Ordinal).ToList();
                html.Append(SvgChart.Line(
                    group.Name,
                    "seconds since start",
                    "value",
                    [.. keys.Select(k => new ChartSeries(k, [.. group.Points.Select(p => (p.T, p.Values.TryGetValue(k, out var v) ? v : double.NaN))]))]));
                if (group.FailedSamples > 0)
                {
                    html.Append(F($"<p class=\"muted\">{group.FailedSamples} samples failed or timed out.</p>"));
                }
            }
        }

        foreach (var (name, value) in result.ReportSections)
        {
            var json = value is null ? "null" : JsonSerializer.Serialize(value, value.GetType(), JsonReport.Options);
            html.Append(F($"<h2>{E(name)}</h2><pre>{E(json)}</pre>"));
        }

        html.Append("</body></html>\n");
        return html.ToString();
    }

    private static string LatencyChart(string title, IReadOnlyList<WindowPoint> series) => SvgChart.Line(
        title,
        "seconds since start",
        "ms",
        [
            new ChartSeries("p50", [.. series.Select(p => (p.T, p.Ok > 0 ? p.P50Ms : double.NaN))]),
            new ChartSeries("p95", [.. series.Select(p => (p.T, p.Ok > 0 ? p.P95Ms : double.NaN))]),
            new ChartSeries("p99", [.. series.Select(p => (p.T, p.Ok > 0 ? p.P99Ms : double.NaN))]),
            new ChartSeries("service p50", [.. series.Select(p => (p.T, p.Ok > 0 ? p.ServiceP50Ms : double.NaN))], Dashed: true),
        ]);

    private static string E(string text) => WebUtility.HtmlEncode(text);

    private static string F(FormattableString value) => value.ToString(CultureInfo.InvariantCulture);
}
