using System.CommandLine;
using System.Globalization;
using CmgSim.LoadTests.Engine;
using CmgSim.LoadTests.Engine.Progress;

namespace CmgSim.LoadTests;

/// <summary><c>overhead</c>: how many no-op invocations per second the engine itself starts and records on this machine.</summary>
internal static class OverheadCommand
{
    public static Command Create()
    {
        var command = new Command("overhead", "Measure the engine's own overhead: no-op invocations per second in a closed model (no network).");
        var copies = new Option<int>("--copies") { Description = "Closed-model copies.", DefaultValueFactory = _ => 8 };
        var seconds = new Option<double>("--seconds") { Description = "Measured seconds per variant.", DefaultValueFactory = _ => 5 };
        command.Options.Add(copies);
        command.Options.Add(seconds);
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var n = parseResult.GetValue(copies);
            var duration = TimeSpan.FromSeconds(parseResult.GetValue(seconds));
            if (n < 1 || duration <= TimeSpan.Zero)
            {
                await Console.Error.WriteLineAsync("error: --copies must be at least 1 and --seconds positive.");
                return ExitCodes.Usage;
            }

            Console.WriteLine(FormattableString.Invariant($"{Environment.ProcessorCount} logical processors, {n} copies, {duration.TotalSeconds:0.#} s per variant, 1 s warm-up"));
            var variants = new (string Name, Func<ScenarioContext, Task> Run, LoadSimulation Load)[]
            {
                ("closed, empty iteration", static _ => Task.CompletedTask, LoadSimulation.KeepConstant(n, duration)),
                ("closed, one no-op step", static async ctx => await ctx.Step("noop", static () => new ValueTask<StepResult>(StepResult.Ok(200, 1))), LoadSimulation.KeepConstant(n, duration)),
                ("closed, yielding step", static async ctx => await ctx.Step("yield", static async () =>
                {
                    await Task.Yield();
                    return StepResult.Ok(200, 1);
                }), LoadSimulation.KeepConstant(n, duration)),
                ("open, no-op step", static async ctx => await ctx.Step("noop", static () => new ValueTask<StepResult>(StepResult.Ok(200, 1))), LoadSimulation.Inject(1_000_000, TimeSpan.FromSeconds(1), duration)),
            };
            foreach (var (name, run, load) in variants)
            {
                var scenario = LoadScenario.Create("overhead", run)
                    .WithWarmUpDuration(TimeSpan.FromSeconds(1))
                    .WithLoadSimulations(load);
                var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
                var result = await LoadRunner.Create().AddScenario(scenario).WithProgress(ProgressMode.None).WithoutReports().RunAsync(cancellationToken);
                var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
                var run0 = result.Scenarios[0];
                var iteration = run0.Iteration;
                var invocations = iteration.Count + run0.WarmUpInvocations;
                Console.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"{name,-24} {iteration.Rps,12:#,0} invocations/s  ({iteration.Count:#,0} in {iteration.DurationSeconds:0.00} s; service p50 {iteration.ServiceTime.P50Ms:0.###} ms, p99 {iteration.ServiceTime.P99Ms:0.###} ms; {(double)allocated / Math.Max(1, invocations):0.#} bytes allocated per invocation incl. the run's fixed cost; {run0.LateStarts:#,0} late, {run0.Dropped:#,0} dropped)"));
            }

            return 0;
        });
        return command;
    }
}
