using System.Text.Json;
using CmgSim.CloudService.Capacity;
using CmgSim.LoadTests.Engine.Progress;
using CmgSim.LoadTests.Scenarios;

namespace CmgSim.LoadTests.Tests.Scenarios;

/// <summary>cp-failover against a real topology with two connection points, one stopped mid-run; the real site database is checked.</summary>
[Collection(RealTimeGroup.Name)]
public sealed class CpFailoverScenarioTests : IDisposable
{
    private readonly string _reports = Path.Combine(Path.GetTempPath(), "cmgsim-cpfailover-" + Guid.NewGuid().ToString("N")[..8]);

    [Fact]
    public async Task A_connection_point_killed_mid_run_loses_no_acknowledged_state_message()
    {
        VmSizeProfiles.TryGet("lab", out var lab);

        var (result, outcome) = await CpFailoverScenario.RunAsync(
            new CpFailoverSettings
            {
                Profile = lab!,
                ConnectionPoints = 2,
                Clients = 6,
                Interval = TimeSpan.FromMilliseconds(250),
                Duration = TimeSpan.FromSeconds(7),
                KillAfter = TimeSpan.FromSeconds(2),
                DownFor = TimeSpan.FromSeconds(2.5),
                RequestTimeout = TimeSpan.FromSeconds(5),
                ReportFolder = _reports,
                Progress = ProgressMode.None,
            },
            CancellationToken.None);

        Assert.Equal(0, result.ExitCode);
        Assert.True(outcome.Acknowledged > 0, "no state message was acknowledged");

        // The stop happened mid-run: load before it, and the surviving connection point carried state messages while
        // the other one's host was gone (any post caught in the stop failed and was resent).
        Assert.NotNull(outcome.KilledAtSeconds);
        Assert.NotNull(outcome.RestoredAtSeconds);
        Assert.InRange(outcome.KilledAtSeconds!.Value, 1.9, 3.5);
        Assert.True(outcome.RestoredAtSeconds < 7, $"channels back only at {outcome.RestoredAtSeconds} s");
        Assert.True(outcome.AcknowledgedWhileDown > 0, "nothing was acknowledged while the connection point was down");
        Assert.Equal(outcome.Attempts, outcome.Acknowledged + outcome.FailedPosts);

        // Every acknowledged state message is in the MP's site database, with its state message row.
        Assert.Equal(outcome.Acknowledged, outcome.FoundInDatabase);
        Assert.Empty(outcome.Missing);
        Assert.True(outcome.Passed);

        var scenario = result.Scenarios[0];
        Assert.Equal(outcome.Attempts, (scenario.GetStep(CpFailoverScenario.SendStep)?.Count ?? 0) + (scenario.GetStep(CpFailoverScenario.ResendStep)?.Count ?? 0));
        using var report = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_reports, "report.json")));
        var failover = report.RootElement.GetProperty("failover");
        Assert.Equal(outcome.Acknowledged, failover.GetProperty("foundInDatabase").GetInt32());
        Assert.True(File.Exists(Path.Combine(_reports, "report.html")));
    }

    public void Dispose()
    {
        if (Directory.Exists(_reports))
        {
            Directory.Delete(_reports, recursive: true);
        }
    }
}
