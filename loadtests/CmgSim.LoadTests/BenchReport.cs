using System.Globalization;
using System.Text;
using System.Text.Json;

namespace CmgSim.LoadTests;

/// <summary>Renders a run as a console table, Markdown and JSON.</summary>
internal static class BenchReport
{
    private static readonly string[] Headers = ["target", "requests", "req/s", "p50 ms", "p90 ms", "p99 ms", "p99.9 ms", "max ms", "2xx", "4xx", "5xx", "errors"];

    public static string Describe(RunSettings settings) =>
        Invariant($"{settings.Model}: {settings.Connections} connections, warm-up {settings.WarmUpSeconds:0.###} s (excluded), ")
        + Invariant($"measured {settings.DurationSeconds:0.###} s, request timeout {settings.RequestTimeoutSeconds:0.###} s, {settings.Protocol}. ")
        + "Targets run one after another in this process with identical settings.";

    public static string ConsoleText(RunReport report)
    {
        var text = new StringBuilder();
        var rows = report.Targets.Select(Row).ToList();
        var widths = Headers.Select((h, i) => Math.Max(h.Length, rows.Max(r => r[i].Length))).ToArray();
        AppendRow(text, Headers, widths);
        AppendRow(text, widths.Select(w => new string('-', w)).ToArray(), widths);
        foreach (var row in rows)
        {
            AppendRow(text, row, widths);
        }

        foreach (var target in report.Targets)
        {
            text.AppendLine(Invariant($"{target.Name}: {target.Url}"));
            text.AppendLine(Invariant($"  statuses {Join(target.StatusCodes)}; protocols {Join(target.HttpVersions)}; received {target.ResponseBytes:N0} bytes"));
            if (target.TransportErrors > 0)
            {
                text.AppendLine(Invariant($"  errors {Join(target.ErrorKinds)}"));
            }

            if (target.CmgSimErrors.Count > 0)
            {
                text.AppendLine(Invariant($"  X-CmgSim-Error {Join(target.CmgSimErrors)}"));
            }

            if (target.CutAtEnd > 0)
            {
                text.AppendLine(Invariant($"  {target.CutAtEnd} in-flight requests cut at the end, not counted"));
            }
        }

        foreach (var ratio in report.Ratios)
        {
            text.AppendLine(Invariant(
                $"{ratio.Baseline} / {ratio.Other}: req/s {Ratio(ratio.RequestsPerSecond)}, p50 {Ratio(ratio.P50)}, p99 {Ratio(ratio.P99)}"));
        }

        return text.ToString();
    }

    public static string Markdown(RunReport report)
    {
        var text = new StringBuilder();
        text.AppendLine("# CmgSim load test").AppendLine();
        text.AppendLine(Invariant($"Started {report.StartedUtc:yyyy-MM-dd HH:mm:ss} UTC. {Describe(report.Settings)}")).AppendLine();
        text.AppendLine("| " + string.Join(" | ", Headers) + " |");
        text.AppendLine("|" + string.Concat(Headers.Select((_, i) => i == 0 ? "---|" : "---:|")));
        foreach (var target in report.Targets)
        {
            text.AppendLine("| " + string.Join(" | ", Row(target)) + " |");
        }

        text.AppendLine();
        foreach (var target in report.Targets)
        {
            text.Append(Invariant($"- **{target.Name}** `{target.Url}`: statuses {Join(target.StatusCodes)}; protocols {Join(target.HttpVersions)}; "))
                .AppendLine(Invariant($"errors {Join(target.ErrorKinds)}; X-CmgSim-Error {Join(target.CmgSimErrors)}"));
        }

        if (report.Ratios.Count > 0)
        {
            text.AppendLine().AppendLine("| ratio | req/s | p50 | p99 |").AppendLine("|---|---:|---:|---:|");
            foreach (var ratio in report.Ratios)
            {
                text.AppendLine($"| {ratio.Baseline} / {ratio.Other} | {Ratio(ratio.RequestsPerSecond)} | {Ratio(ratio.P50)} | {Ratio(ratio.P99)} |");
            }
        }

        return text.ToString();
    }

    public static string Json(RunReport report) => JsonSerializer.Serialize(report, ReportJsonContext.Default.RunReport);

    private static string[] Row(TargetResult t) =>
    [
        t.Name,
        Invariant($"{t.Requests}"),
        Invariant($"{t.RequestsPerSecond:0.0}"),
        Ms(t.Latency.P50Ms),
        Ms(t.Latency.P90Ms),
        Ms(t.Latency.P99Ms),
        Ms(t.Latency.P999Ms),
        Ms(t.Latency.MaxMs),
        Invariant($"{t.Status2xx}"),
        Invariant($"{t.Status4xx}"),
        Invariant($"{t.Status5xx}"),
        Invariant($"{t.TransportErrors}"),
    ];

    private static void AppendRow(StringBuilder text, string[] cells, int[] widths)
    {
        for (var i = 0; i < cells.Length; i++)
        {
            text.Append(i == 0 ? cells[i].PadRight(widths[i]) : "  " + cells[i].PadLeft(widths[i]));
        }

        text.AppendLine();
    }

    private static string Join<TKey>(IReadOnlyDictionary<TKey, long> counts)
        where TKey : notnull =>
        counts.Count == 0 ? "none" : string.Join(", ", counts.Select(c => Invariant($"{c.Key}={c.Value}")));

    private static string Ms(double value) => Invariant($"{value:0.000}");

    private static string Ratio(double? value) => value is { } v ? Invariant($"{v:0.00}x") : "n/a";

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
