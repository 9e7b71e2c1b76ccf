using System.Text.Json;
using CmgSim.CloudService.Capacity;
using CmgSim.LoadTests.Engine.Progress;
using CmgSim.LoadTests.Scenarios;

namespace CmgSim.LoadTests.Tests.Scenarios;

/// <summary>patch-tuesday against a real topology it starts itself, on the lab VM size; the real site database is checked.</summary>
[Collection(RealTimeGroup.Name)]
public sealed class PatchTuesdayScenarioTests : IDisposable
{
    private readonly string _reports = Path.Combine(Path.GetTempPath(), "cmgsim-patchtuesday-" + Guid.NewGuid().ToString("N")[..8]);

    [Fact]
    public async Task Every_arriving_client_scans_and_its_compliance_is_stored()
    {
        VmSizeProfiles.TryGet("lab", out var lab);

        var (result, outcome) = await PatchTuesdayScenario.RunAsync(
            new PatchTuesdaySettings
            {
                Profile = lab!,
                Clients = 8,
                Window = TimeSpan.FromSeconds(2),
                ReportFolder = _reports,
                Progress = ProgressMode.None,
            },
            CancellationToken.None);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(8, outcome.ScansCompleted);
        Assert.True(outcome.UpdatesPerScan > 0, "the scan found no update");

        // One compliance state message per update found, acknowledged by the MP and committed to its site database.
        Assert.Equal(8, outcome.ComplianceAcknowledged);
        Assert.Equal(8L * outcome.UpdatesPerScan, outcome.StateMessagesAcknowledged);
        Assert.Equal(8, outcome.FoundInDatabase);

        // Exactly one arrival per client (open model, fixed count), none dropped.
        var scenario = result.Scenarios[0];
        Assert.Equal(8, scenario.GetStep(PatchTuesdayScenario.ScanStep)!.OkCount);
        Assert.Equal(8, scenario.GetStep(PatchTuesdayScenario.ComplianceStep)!.OkCount);
        Assert.Equal(0, scenario.Dropped);

        using var report = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_reports, "report.json")));
        Assert.Equal(8, report.RootElement.GetProperty("patchTuesday").GetProperty("complianceAcknowledged").GetInt32());
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
