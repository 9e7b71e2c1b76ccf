using System.Text.Json;
using CmgSim.LoadTests.Engine;
using CmgSim.LoadTests.Engine.Progress;
using CmgSim.LoadTests.Engine.Reporting;

namespace CmgSim.LoadTests.Tests.Engine.Reporting;

public sealed class ReportTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "cmgsim-load-report-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Fact]
    public async Task Every_report_format_is_written_and_parses()
    {
        var counter = 0;
        var scenario = LoadScenario.Create("report, \"quoted\"", async ctx =>
        {
            await ctx.Step("mp list", () => Quiet.DelayedOk(ctx, TimeSpan.FromMilliseconds(1)));
            await ctx.Step("policy", () => Interlocked.Increment(ref counter) % 5 == 0
                ? new ValueTask<StepResult>(StepResult.Fail(503, "CMGConnector_ServiceUnavailable", "no channel | down"))
                : Quiet.Ok(200, 100));
        })
            .WithLoadSimulations(LoadSimulation.IterationsForInject(200, TimeSpan.FromSeconds(1), 100))
            .WithThresholds(Threshold.FailPercentAtMost(null, "policy", 50));

        var result = await LoadRunner.Create()
            .WithProgress(ProgressMode.None)
            .WithReportFolder(_folder)
            .WithWindow(TimeSpan.FromMilliseconds(100))
            .WithGaugeSampler("cmg", () => ValueTask.FromResult<IReadOnlyDictionary<string, double>>(new Dictionary<string, double> { ["vm0.connections"] = 3 }))
            .WithReportSection("knees", new[] { new { Rps = 100, P99Ms = 12.5 } })
            .WithReportSection("summary", r => new { r.Scenarios[0].Iteration.Count })
            .AddScenario(scenario)
            .RunAsync();

        Assert.Equal(ExitCodes.Passed, result.ExitCode);
        Assert.Equal(4, result.ReportFiles.Count);

        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_folder, "report.json")));
        var root = json.RootElement;
        Assert.Equal("Passed", root.GetProperty("outcome").GetString());
        Assert.Equal(100, root.GetProperty("knees")[0].GetProperty("rps").GetInt32());
        Assert.Equal(100, root.GetProperty("summary").GetProperty("count").GetInt32());
        var scenarioJson = root.GetProperty("scenarios")[0];
        Assert.Equal(2, scenarioJson.GetProperty("steps").GetArrayLength());
        Assert.Equal(100, scenarioJson.GetProperty("iteration").GetProperty("okCount").GetInt64() + scenarioJson.GetProperty("iteration").GetProperty("failCount").GetInt64());
        Assert.True(scenarioJson.GetProperty("series").GetArrayLength() > 0);
        Assert.True(scenarioJson.GetProperty("stepSeries").GetProperty("policy").GetArrayLength() > 0);
        Assert.Equal(20, scenarioJson.GetProperty("steps")[1].GetProperty("errorCodes").GetProperty("CMGConnector_ServiceUnavailable").GetInt64());
        Assert.Equal("cmg", root.GetProperty("gauges")[0].GetProperty("name").GetString());
        Assert.True(root.GetProperty("thresholds")[0].GetProperty("passed").GetBoolean());

        var csv = await File.ReadAllLinesAsync(Path.Combine(_folder, "report.csv"));
        Assert.Equal(1 + 3, csv.Length);
        Assert.StartsWith("scenario,step,ok,fail,", csv[0], StringComparison.Ordinal);
        Assert.StartsWith("\"report, \"\"quoted\"\"\",(iteration),", csv[1], StringComparison.Ordinal);
        Assert.Equal(CsvReport.Columns.Length - 1, csv[3].Count(c => c == ',') - 1);

        var html = await File.ReadAllTextAsync(Path.Combine(_folder, "report.html"));
        Assert.StartsWith("<!DOCTYPE html>", html, StringComparison.Ordinal);
        Assert.True(CountOf(html, "<svg") >= 5, "latency, throughput, one per step, one per gauge group");
        Assert.Contains("<polyline", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("http://", html.Replace("http://www.w3.org/2000/svg", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains("vm0.connections", html, StringComparison.Ordinal);

        var md = await File.ReadAllTextAsync(Path.Combine(_folder, "report.md"));
        Assert.Contains("| scenario | step | ok | fail |", md, StringComparison.Ordinal);
        Assert.Contains("| report, \"quoted\" | policy | 80 | 20 |", md, StringComparison.Ordinal);
        Assert.Contains("no channel \\| down", md, StringComparison.Ordinal);
        Assert.Contains("## knees", md, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Report_formats_can_be_chosen()
    {
        var scenario = LoadScenario.Create("one", _ => Task.CompletedTask).WithLoadSimulations(LoadSimulation.IterationsForConstant(1, 1));

        var result = await LoadRunner.Create()
            .WithProgress(ProgressMode.None)
            .WithReportFolder(_folder)
            .WithReportFormats(ReportFormats.Json | ReportFormats.Csv)
            .AddScenario(scenario)
            .RunAsync();

        Assert.Equal(["report.csv", "report.json"], Directory.GetFiles(_folder).Select(Path.GetFileName).Order());
        Assert.Equal(2, result.ReportFiles.Count);
    }

    [Fact]
    public void Reserved_report_section_names_are_refused()
    {
        Assert.Throws<ArgumentException>(() => LoadRunner.Create().WithReportSection("scenarios", 1));
    }

    private static int CountOf(string text, string value)
    {
        var count = 0;
        for (var i = text.IndexOf(value, StringComparison.Ordinal); i >= 0; i = text.IndexOf(value, i + 1, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
