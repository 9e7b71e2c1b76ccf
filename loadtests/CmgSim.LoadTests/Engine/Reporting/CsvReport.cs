using System.Globalization;
using System.Text;

namespace CmgSim.LoadTests.Engine.Reporting;

/// <summary>report.csv: a header and one row per scenario/step, the scenario's iterations first (step <c>(iteration)</c>).</summary>
internal static class CsvReport
{
    public static readonly string[] Columns =
    [
        "scenario", "step", "ok", "fail", "fail_percent", "rps", "ok_rps", "duration_s",
        "latency_min_ms", "latency_mean_ms", "latency_p50_ms", "latency_p75_ms", "latency_p95_ms", "latency_p99_ms", "latency_p999_ms", "latency_max_ms",
        "service_p50_ms", "service_p95_ms", "service_p99_ms", "fail_latency_p50_ms", "fail_latency_p99_ms",
        "bytes", "status_codes", "error_codes", "late_starts", "dropped", "interrupted",
    ];

    public static string Render(RunResult result)
    {
        var text = new StringBuilder();
        text.AppendLine(string.Join(',', Columns));
        foreach (var scenario in result.Scenarios)
        {
            foreach (var s in scenario.Steps.Prepend(scenario.Iteration))
            {
                var iteration = s.IsIteration;
                string[] cells =
                [
                    scenario.Name, s.StepName, N(s.OkCount), N(s.FailCount), D(s.FailPercent), D(s.Rps), D(s.OkRps), D(s.DurationSeconds),
                    D(s.Latency.MinMs), D(s.Latency.MeanMs), D(s.Latency.P50Ms), D(s.Latency.P75Ms), D(s.Latency.P95Ms), D(s.Latency.P99Ms), D(s.Latency.P999Ms), D(s.Latency.MaxMs),
                    D(s.ServiceTime.P50Ms), D(s.ServiceTime.P95Ms), D(s.ServiceTime.P99Ms), D(s.FailLatency.P50Ms), D(s.FailLatency.P99Ms),
                    N(s.Bytes),
                    string.Join(';', s.StatusCodes.Select(c => FormattableString.Invariant($"{c.Key}={c.Value}"))),
                    string.Join(';', s.ErrorCodes.Select(c => FormattableString.Invariant($"{c.Key}={c.Value}"))),
                    iteration ? N(scenario.LateStarts) : "",
                    iteration ? N(scenario.Dropped) : "",
                    iteration ? N(scenario.Interrupted) : "",
                ];
                text.AppendLine(string.Join(',', cells.Select(Escape)));
            }
        }

        return text.ToString();
    }

    /// <summary>RFC 4180 quoting.</summary>
    public static string Escape(string cell) =>
        cell.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + cell.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : cell;

    private static string N(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string D(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);
}
