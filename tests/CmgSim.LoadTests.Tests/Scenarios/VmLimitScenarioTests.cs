using System.Text.Json;
using CmgSim.CloudService.Capacity;
using CmgSim.LoadTests.Scenarios;

namespace CmgSim.LoadTests.Tests.Scenarios;

/// <summary>The vm-limit scenario against a real topology it starts itself, on the lab VM size (10 client connections per VM).</summary>
[Collection(RealTimeGroup.Name)]
public sealed class VmLimitScenarioTests : IDisposable
{
    private readonly string _reports = Path.Combine(Path.GetTempPath(), "cmgsim-vmlimit-" + Guid.NewGuid().ToString("N")[..8]);

    [Fact]
    public async Task Lab_profile_on_two_instances_finds_the_knee_at_10_per_instance()
    {
        VmSizeProfiles.TryGet("lab", out var lab);

        var (result, knees) = await VmLimitScenario.RunAsync(
            new VmLimitSettings
            {
                Profile = lab!,
                Instances = 2,
                Overshoot = 1.5,
                Ramp = TimeSpan.FromSeconds(12),
                Hold = TimeSpan.FromSeconds(2),
                PollInterval = TimeSpan.FromMilliseconds(400),
                ReportFolder = _reports,

                // The lab size's first overloaded connection adds 250 ms; 100 ms keeps CI's CPU noise out.
                KneeMarginMs = 100,
            },
            CancellationToken.None);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(2, knees.Count);
        Assert.All(knees, knee => Assert.InRange(knee.Connections, 9, 11));
        Assert.Equal(["ProxyService_IN_0", "ProxyService_IN_1"], knees.Select(static k => k.Instance));

        // The two instances shared the 30 clients, and report.json carries knees[] with instance and connections.
        Assert.All(knees, knee => Assert.InRange(knee.MaxConnections, 11, 25));
        using var report = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_reports, "report.json")));
        var reported = report.RootElement.GetProperty("knees").EnumerateArray().ToList();
        Assert.Equal(2, reported.Count);
        Assert.All(reported, k => Assert.InRange(k.GetProperty("connections").GetInt32(), 9, 11));
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
