using System.Diagnostics;
using CmgSim.LoadTests.Engine;
using Microsoft.Extensions.Time.Testing;

namespace CmgSim.LoadTests.Tests.Engine;

public sealed class CompressedTimeProviderTests
{
    [Fact]
    public void Sixty_simulated_seconds_pass_in_one_real_second_at_factor_60()
    {
        var real = new FakeTimeProvider(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var clock = new CompressedTimeProvider(real, 60);
        var start = clock.GetUtcNow();
        var startTimestamp = clock.GetTimestamp();

        var delay = Task.Delay(TimeSpan.FromSeconds(60), clock);
        real.Advance(TimeSpan.FromMilliseconds(990));
        Assert.False(delay.IsCompleted);
        real.Advance(TimeSpan.FromMilliseconds(10));

        Assert.True(delay.IsCompletedSuccessfully);
        Assert.Equal(TimeSpan.FromSeconds(60), clock.GetUtcNow() - start);
        Assert.Equal(60, clock.GetElapsedTime(startTimestamp).TotalSeconds, 6);
    }

    [Fact]
    public void Periodic_timers_and_changes_are_scaled()
    {
        var real = new FakeTimeProvider();
        var clock = new CompressedTimeProvider(real, 3600);
        var ticks = 0;

        // "Every simulated hour" fires every real second.
        using var timer = clock.CreateTimer(_ => ticks++, null, TimeSpan.FromHours(1), TimeSpan.FromHours(1));
        real.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal(3, ticks);

        timer.Change(TimeSpan.FromHours(2), TimeSpan.FromHours(2));
        real.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal(5, ticks);
    }

    [Fact]
    public async Task On_the_real_clock_a_60_second_delay_at_factor_60_takes_about_a_second()
    {
        var clock = new CompressedTimeProvider(60);
        var watch = Stopwatch.StartNew();

        await Task.Delay(TimeSpan.FromSeconds(60), clock);

        Assert.InRange(watch.Elapsed.TotalSeconds, 0.9, 10);
    }

    [Fact]
    public async Task The_runner_hands_its_compressed_clock_to_scenarios_and_keeps_statistics_in_real_time()
    {
        TimeProvider? seen = null;
        var runner = Quiet.Runner().WithTimeCompression(120);
        var scenario = LoadScenario.Create("compressed", async ctx =>
        {
            seen = ctx.TimeProvider;

            // Two simulated minutes: one real second.
            await ctx.Step("wait", () => Quiet.DelayedOk(ctx, TimeSpan.FromMinutes(2)));
        }).WithLoadSimulations(LoadSimulation.IterationsForConstant(1, 1));

        var result = await runner.AddScenario(scenario).RunAsync();

        var compressed = Assert.IsType<CompressedTimeProvider>(runner.ScenarioTimeProvider);
        Assert.Same(compressed, seen);
        Assert.Equal(120, compressed.Factor);
        Assert.Equal(120, result.TimeCompression);
        Assert.InRange(result.GetScenario("compressed").GetStep("wait")!.Latency.P50Ms, 900, 5000);
    }
}
