using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace CmgSim.LoadTests.Engine.Reporting;

/// <summary>report.json: the whole <see cref="RunResult"/> (statistics, time series, gauges, thresholds) plus the extra sections at the top level.</summary>
internal static class JsonReport
{
    /// <summary>Top-level names taken by the report itself.</summary>
    public static IReadOnlySet<string> ReservedNames { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "tool", "title", "startedUtc", "durationSeconds", "seed", "windowSeconds", "timeCompression", "outcome", "exitCode",
        "reason", "scenarios", "thresholds", "gauges",
    };

    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
        Converters = { new JsonStringEnumConverter() },
    };

    public static string Render(RunResult result)
    {
        var root = new JsonObject { ["tool"] = "CmgSim.LoadTests" };
        foreach (var (name, value) in JsonSerializer.SerializeToNode(result, Options)!.AsObject().ToList())
        {
            root[name] = value?.DeepClone();
        }

        foreach (var (name, value) in result.ReportSections)
        {
            root[name] = value is null ? null : JsonSerializer.SerializeToNode(value, value.GetType(), Options);
        }

        return root.ToJsonString(Options);
    }
}
