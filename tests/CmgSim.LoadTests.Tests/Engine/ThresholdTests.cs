using System.Diagnostics;
using CmgSim.LoadTests.Engine;

namespace CmgSim.LoadTests.Tests.Engine;

public sealed class ThresholdTests
{
    private static LoadScenario AlwaysFailing(string name, TimeSpan during) =>
        LoadScenario.Create(name, ctx => ctx.Step("s", async () =>
        {
            await Task.Delay(TimeSpan.FromMilliseconds(1), ctx.TimeProvider, ctx.CancellationToken);
            return StepResult.Fail(503, "CMGConnector_ServiceUnavailable");
        }).AsTask())
        .WithLoadSimulations(LoadSimulation.KeepConstant(2, during));

    [Fact]
    public async Task A_failing_threshold_with_abort_stops_the_run_early_with_exit_code_3()
    {
        var scenario = AlwaysFailing("aborting", TimeSpan.FromSeconds(30))
            .WithThresholds(Threshold.FailPercentAtMost(null, "s", 10, abortWhenFailed: true, startCheckAfter: TimeSpan.FromMilliseconds(100)));
        var watch = Stopwatch.StartNew();

        var result = await Quiet.Runner().WithWindow(TimeSpan.FromMilliseconds(100)).AddScenario(scenario).RunAsync();

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
        Assert.Equal(ExitCodes.Aborted, result.ExitCode);
        Assert.Equal(RunOutcome.Aborted, result.Outcome);
        Assert.Contains("fail % <= 10", result.Reason, StringComparison.Ordinal);
        var threshold = Assert.Single(result.Thresholds);
        Assert.False(threshold.Passed);
        Assert.True(threshold.AbortedRun);
        Assert.True(threshold.FailedChecks >= 1);
        Assert.Equal("aborting", threshold.Scenario);
        Assert.Equal("s", threshold.Step);
    }

    [Fact]
    public async Task A_failing_threshold_without_abort_lets_the_run_finish_with_exit_code_1()
    {
        var counter = 0;
        var scenario = LoadScenario.Create("half", ctx => ctx.Step("s", () => Interlocked.Increment(ref counter) % 2 == 0
                ? Quiet.Ok()
                : new ValueTask<StepResult>(StepResult.Fail(500, "X"))).AsTask())
            .WithLoadSimulations(LoadSimulation.IterationsForConstant(1, 40));

        var result = await Quiet.Runner()
            .AddScenario(scenario)
            .WithThresholds(
                Threshold.FailPercentAtMost("half", "s", 10),
                Threshold.Create("half", null, s => s.Count == 40, description: "40 iterations"))
            .RunAsync();

        Assert.Equal(ExitCodes.ThresholdFailed, result.ExitCode);
        Assert.Equal(RunOutcome.ThresholdsFailed, result.Outcome);
        Assert.Equal(40, result.GetScenario("half").Iteration.Count);
        Assert.False(result.Thresholds[0].Passed);
        Assert.True(result.Thresholds[1].Passed);
        Assert.Equal(StepStats.IterationStepName, result.Thresholds[1].Step);
    }

    [Fact]
    public async Task Passing_thresholds_give_exit_code_0()
    {
        var scenario = LoadScenario.Create("fine", ctx => ctx.Step("s", () => Quiet.Ok()).AsTask())
            .WithLoadSimulations(LoadSimulation.IterationsForConstant(2, 100))
            .WithThresholds(
                Threshold.FailPercentAtMost(null, "s", 0),
                Threshold.P99AtMost(null, "s", 1000),
                Threshold.P95AtMost(null, null, 1000));

        var result = await Quiet.Runner().AddScenario(scenario).RunAsync();

        Assert.Equal(ExitCodes.Passed, result.ExitCode);
        Assert.All(result.Thresholds, t => Assert.True(t.Passed));
    }

    [Fact]
    public async Task The_max_fail_count_aborts_the_run()
    {
        var scenario = AlwaysFailing("max-fail", TimeSpan.FromSeconds(30)).WithMaxFailCount(5);

        var result = await Quiet.Runner().WithWindow(TimeSpan.FromMilliseconds(100)).AddScenario(scenario).RunAsync();

        Assert.Equal(ExitCodes.Aborted, result.ExitCode);
        Assert.Contains("max fail count", result.Reason, StringComparison.Ordinal);
        Assert.True(result.DurationSeconds < 10);
    }

    [Fact]
    public async Task A_scenario_can_stop_the_run()
    {
        var scenario = LoadScenario.Create("stopper", ctx =>
        {
            if (ctx.InvocationNumber == 3)
            {
                ctx.StopRun("enough");
            }

            return Task.CompletedTask;
        }).WithLoadSimulations(LoadSimulation.KeepConstant(1, TimeSpan.FromSeconds(30)));

        var result = await Quiet.Runner().AddScenario(scenario).RunAsync();

        Assert.Equal(ExitCodes.Aborted, result.ExitCode);
        Assert.Contains("enough", result.Reason, StringComparison.Ordinal);
    }
}
