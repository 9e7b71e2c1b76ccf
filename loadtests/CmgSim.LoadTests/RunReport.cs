using System.Text.Json.Serialization;

namespace CmgSim.LoadTests;

internal sealed record RunReport(
    DateTimeOffset StartedUtc,
    RunSettings Settings,
    IReadOnlyList<TargetResult> Targets,
    IReadOnlyList<TargetRatio> Ratios);

internal sealed record RunSettings(
    string Model,
    int Connections,
    double WarmUpSeconds,
    double DurationSeconds,
    double RequestTimeoutSeconds,
    string Protocol,
    string? CaFile,
    string? ClientCertificateFile,
    IReadOnlyList<string> Resolve);

/// <summary>The first target divided by another: rps 0.5 means the first managed half the other's throughput.</summary>
internal sealed record TargetRatio(string Baseline, string Other, double? RequestsPerSecond, double? P50, double? P99)
{
    public static TargetRatio Of(TargetResult baseline, TargetResult other) => new(
        baseline.Name,
        other.Name,
        Divide(baseline.RequestsPerSecond, other.RequestsPerSecond),
        Divide(baseline.Latency.P50Ms, other.Latency.P50Ms),
        Divide(baseline.Latency.P99Ms, other.Latency.P99Ms));

    private static double? Divide(double numerator, double denominator) => denominator > 0 ? numerator / denominator : null;
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(RunReport))]
internal sealed partial class ReportJsonContext : JsonSerializerContext;
