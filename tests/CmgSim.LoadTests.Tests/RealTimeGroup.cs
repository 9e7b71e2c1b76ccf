using CmgSim.LoadTests.Engine;
using CmgSim.LoadTests.Engine.Progress;

namespace CmgSim.LoadTests.Tests;

/// <summary>
/// Tests whose assertions involve real time run one at a time, after the parallel ones, and after a short warm-up
/// run: on a 2-core machine, other tests' bursts and first-call JIT can hold the CPU long enough to delay timers.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RealTimeGroup : ICollectionFixture<EngineWarmUp>
{
    public const string Name = "real-time";
}

/// <summary>Runs the engine once so its code paths are compiled before the timing tests start.</summary>
public sealed class EngineWarmUp
{
    public EngineWarmUp()
    {
        var scenario = LoadScenario.Create("jit", async ctx =>
        {
            ctx.SetGauge("g", 1);
            await ctx.Step("s", async () =>
            {
                await Task.Delay(TimeSpan.FromMilliseconds(1), ctx.TimeProvider, ctx.CancellationToken);
                return StepResult.Ok(200);
            });
        }).WithLoadSimulations(
            LoadSimulation.RampingConstant(2, TimeSpan.FromMilliseconds(100)),
            LoadSimulation.Inject(100, TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(100)));
        LoadRunner.Create()
            .WithProgress(ProgressMode.None)
            .WithoutReports()
            .WithWindow(TimeSpan.FromMilliseconds(50))
            .WithThresholds(Threshold.FailPercentAtMost("jit", "s", 100))
            .AddScenario(scenario)
            .RunAsync()
            .GetAwaiter()
            .GetResult();
    }
}
