using System.Text.Json;
using CmgSim.CloudService.Capacity;
using CmgSim.LoadTests.Engine.Progress;
using CmgSim.LoadTests.Scenarios;

namespace CmgSim.LoadTests.Tests.Scenarios;

/// <summary>policy-storm against a real topology it starts itself, on the lab VM size.</summary>
[Collection(RealTimeGroup.Name)]
public sealed class PolicyStormScenarioTests : IDisposable
{
    private readonly string _reports = Path.Combine(Path.GetTempPath(), "cmgsim-policystorm-" + Guid.NewGuid().ToString("N")[..8]);

    [Fact]
    public async Task Every_client_gets_its_policy_in_every_wave()
    {
        VmSizeProfiles.TryGet("lab", out var lab);

        var (result, storm) = await PolicyStormScenario.RunAsync(
            new PolicyStormSettings
            {
                Profile = lab!,
                Clients = 8,
                Waves = 2,
                Spread = TimeSpan.FromSeconds(1),
                WaveInterval = TimeSpan.FromSeconds(2),
                ReportFolder = _reports,
                Progress = ProgressMode.None,
            },
            CancellationToken.None);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(8, storm.ClientsWithPolicy);
        Assert.Equal(16, storm.PolicyCycles);
        Assert.True(storm.MinPolicies > 0, "no policy was assigned");

        // One assignment poll per client and wave; every assigned body downloaded (secret ones decrypted).
        var scenario = result.Scenarios[0];
        var assignments = scenario.GetStep(PolicyStormScenario.AssignmentsStep)!;
        var bodies = scenario.GetStep(PolicyStormScenario.BodyStep)!;
        Assert.Equal(16, assignments.OkCount);
        Assert.Equal(0, assignments.FailCount + bodies.FailCount);
        Assert.Equal(200, Assert.Single(assignments.StatusCodes).Key);
        Assert.InRange(bodies.OkCount, 16L * storm.MinPolicies, 16L * storm.MaxPolicies);

        foreach (var file in new[] { "report.md", "report.csv", "report.json", "report.html" })
        {
            Assert.True(File.Exists(Path.Combine(_reports, file)), file);
        }

        using var report = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_reports, "report.json")));
        Assert.Equal(8, report.RootElement.GetProperty("storm").GetProperty("clientsWithPolicy").GetInt32());
    }

    public void Dispose()
    {
        if (Directory.Exists(_reports))
        {
            Directory.Delete(_reports, recursive: true);
        }
    }
}
