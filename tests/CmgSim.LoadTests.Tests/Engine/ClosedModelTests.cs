using CmgSim.LoadTests.Engine;

namespace CmgSim.LoadTests.Tests.Engine;

[Collection(RealTimeGroup.Name)]
public sealed class ClosedModelTests
{
    [Fact]
    public async Task IterationsForConstant_runs_exactly_the_requested_iterations_across_copies()
    {
        var calls = 0;
        var scenario = LoadScenario.Create("exact", async ctx =>
        {
            Interlocked.Increment(ref calls);
            await ctx.Step("work", async () =>
            {
                if (ctx.InvocationNumber % 3 == 0)
                {
                    await Task.Yield();
                }

                return StepResult.Ok(200);
            });
        }).WithLoadSimulations(LoadSimulation.IterationsForConstant(copies: 7, iterations: 1000));

        var result = await Quiet.Runner().AddScenario(scenario).RunAsync();

        var run = result.GetScenario("exact");
        Assert.Equal(ExitCodes.Passed, result.ExitCode);
        Assert.Equal(1000, calls);
        Assert.Equal(1000, run.Iteration.OkCount);
        Assert.Equal(0, run.Iteration.FailCount);
        Assert.Equal(1000, run.GetStep("work")!.StatusCount(200));
        Assert.Equal(0, run.Interrupted);
    }

    [Fact]
    public async Task IterationsForConstant_after_a_warm_up_counts_only_the_measured_iterations()
    {
        var calls = 0;
        var scenario = LoadScenario.Create("warm-exact", async ctx =>
        {
            Interlocked.Increment(ref calls);
            await ctx.Step("work", () => Quiet.DelayedOk(ctx, TimeSpan.FromMilliseconds(1)));
        })
            .WithWarmUpDuration(TimeSpan.FromMilliseconds(300))
            .WithLoadSimulations(LoadSimulation.IterationsForConstant(copies: 4, iterations: 200));

        var result = await Quiet.Runner().AddScenario(scenario).RunAsync();

        var run = result.GetScenario("warm-exact");
        Assert.True(run.WarmUpInvocations > 0);
        Assert.Equal(200, run.Iteration.Count);
        Assert.Equal(200, run.GetStep("work")!.Count);
        Assert.Equal(200 + run.WarmUpInvocations, calls);
    }

    [Fact]
    public async Task Warm_up_runs_the_load_but_is_excluded_from_the_statistics()
    {
        var calls = 0;
        var scenario = LoadScenario.Create("warm", ctx =>
        {
            Interlocked.Increment(ref calls);
            return ctx.Step("s", async () =>
            {
                await Task.Delay(TimeSpan.FromMilliseconds(2), ctx.TimeProvider);
                return ctx.IsWarmUp ? StepResult.Fail(500, "WARM_UP_ONLY") : StepResult.Ok(200);
            }).AsTask();
        })
            .WithWarmUpDuration(TimeSpan.FromMilliseconds(400))
            .WithLoadSimulations(LoadSimulation.KeepConstant(2, TimeSpan.FromMilliseconds(400)));

        var result = await Quiet.Runner().AddScenario(scenario).RunAsync();

        var run = result.GetScenario("warm");
        var step = run.GetStep("s")!;
        Assert.True(run.WarmUpInvocations > 0, "the warm-up ran");
        Assert.True(step.OkCount > 0, "the measured part ran");
        Assert.Equal(0, step.FailCount);
        Assert.Empty(step.ErrorCodes);
        Assert.Equal([200], step.StatusCodes.Keys);
        Assert.Equal(calls, run.WarmUpInvocations + run.Iteration.Count + run.Interrupted);
    }

    [Fact]
    public async Task Status_and_error_codes_are_counted_per_step_and_exceptions_become_failures()
    {
        var counter = -1;
        var scenario = LoadScenario.Create("codes", async ctx =>
        {
            var i = Interlocked.Increment(ref counter);
            await ctx.Step("call", () => i % 2 == 0
                ? Quiet.Ok(200, bytes: 10)
                : new ValueTask<StepResult>(StepResult.Fail(503, "CMGConnector_ServiceUnavailable", "no channel")));
            await ctx.Step("boom", () => i % 10 == 0 ? throw new InvalidOperationException("kaput") : Quiet.Ok(204));
        }).WithLoadSimulations(LoadSimulation.IterationsForConstant(copies: 2, iterations: 100));

        var result = await Quiet.Runner().AddScenario(scenario).RunAsync();

        var run = result.GetScenario("codes");
        var call = run.GetStep("call")!;
        Assert.Equal(50, call.OkCount);
        Assert.Equal(50, call.FailCount);
        Assert.Equal(50, call.StatusCount(200));
        Assert.Equal(50, call.StatusCount(503));
        Assert.Equal(50, call.ErrorCount("CMGConnector_ServiceUnavailable"));
        Assert.Equal("no channel", call.ErrorMessages["CMGConnector_ServiceUnavailable"]);
        Assert.Equal(500, call.Bytes);
        Assert.Equal(50.0, call.FailPercent);

        var boom = run.GetStep("boom")!;
        Assert.Equal(10, boom.FailCount);
        Assert.Equal(10, boom.ErrorCount(nameof(InvalidOperationException)));
        Assert.Equal("kaput", boom.ErrorMessages[nameof(InvalidOperationException)]);
        Assert.Equal(90, boom.StatusCount(204));

        // An iteration fails when any of its steps failed; it is counted under the first failure's code.
        Assert.Equal(60, run.Iteration.FailCount);
        Assert.Equal(50, run.Iteration.ErrorCount("CMGConnector_ServiceUnavailable"));
        Assert.Equal(10, run.Iteration.ErrorCount(nameof(InvalidOperationException)));
        Assert.Equal(["call", "boom"], run.Steps.Select(s => s.StepName));
    }

    [Fact]
    public async Task Per_instance_state_is_created_once_per_copy_and_disposed_at_the_end()
    {
        var created = 0;
        var states = new System.Collections.Concurrent.ConcurrentBag<FakeClient>();
        var scenario = LoadScenario.Create(
            "stateful",
            ctx =>
            {
                Interlocked.Increment(ref created);
                var client = new FakeClient(ctx.InstanceNumber);
                states.Add(client);
                return Task.FromResult(client);
            },
            (ctx, client) => ctx.Step("use", () =>
            {
                client.Uses++;
                Assert.Same(client, ctx.GetState<FakeClient>());
                return Quiet.DelayedOk(ctx, TimeSpan.FromMilliseconds(2));
            }).AsTask())
            .WithLoadSimulations(LoadSimulation.IterationsForConstant(copies: 3, iterations: 90));

        var result = await Quiet.Runner().AddScenario(scenario).RunAsync();

        Assert.Equal(ExitCodes.Passed, result.ExitCode);
        Assert.Equal(3, created);
        Assert.Equal([0, 1, 2], states.Select(s => s.Instance).Order());
        Assert.All(states, s => Assert.True(s.Disposed));
        Assert.Equal(90, states.Sum(s => s.Uses));
    }

    [Fact]
    public async Task Pacing_starts_each_copy_on_a_schedule()
    {
        var scenario = LoadScenario.Create("paced", ctx => ctx.Step("s", () => Quiet.DelayedOk(ctx, TimeSpan.FromMilliseconds(5))).AsTask())
            .WithPacing(TimeSpan.FromMilliseconds(100))
            .WithLoadSimulations(LoadSimulation.KeepConstant(2, TimeSpan.FromSeconds(1)));

        var result = await Quiet.Runner().AddScenario(scenario).RunAsync();

        // Unpaced, two copies of a 5 ms step would run ~300 iterations in a second; paced at 100 ms, ~20 (a late
        // iteration starts at once, so a busy machine catches up rather than running fewer).
        Assert.InRange(result.GetScenario("paced").Iteration.Count, 8, 24);
    }

    [Fact]
    public async Task RampingConstant_raises_the_copies_linearly()
    {
        var firstStart = new System.Collections.Concurrent.ConcurrentDictionary<int, TimeSpan>();
        var before = System.Diagnostics.Stopwatch.GetTimestamp();
        var scenario = LoadScenario.Create("ramp", ctx =>
        {
            firstStart.TryAdd(ctx.InstanceNumber, System.Diagnostics.Stopwatch.GetElapsedTime(before));
            return ctx.Step("s", () => Quiet.DelayedOk(ctx, TimeSpan.FromMilliseconds(5))).AsTask();
        })
            .WithLoadSimulations(
                LoadSimulation.RampingConstant(4, TimeSpan.FromMilliseconds(800)),
                LoadSimulation.KeepConstant(4, TimeSpan.FromMilliseconds(600)));

        var result = await Quiet.Runner().WithWindow(TimeSpan.FromMilliseconds(200)).AddScenario(scenario).RunAsync();

        // copies(t) = round(4 · t / 0.8 s): copy k (instance k) joins once 5·t ≥ k + 0.5. Lower bounds only, as a
        // busy machine can delay a start but never advance it.
        Assert.True(result.ExitCode == 0, $"{result.Outcome}: {result.Reason}");
        Assert.Equal([0, 1, 2, 3], firstStart.Keys.Order());
        Assert.True(firstStart[1] >= TimeSpan.FromMilliseconds(290), $"copy 1 at {firstStart[1]}");
        Assert.True(firstStart[3] >= TimeSpan.FromMilliseconds(690), $"copy 3 at {firstStart[3]}");
        Assert.True(firstStart[3] > firstStart[2] && firstStart[2] > firstStart[1]);
    }

    private sealed class FakeClient(int instance) : IDisposable
    {
        public int Instance { get; } = instance;

        public int Uses { get; set; }

        public bool Disposed { get; private set; }

        public void Dispose() => Disposed = true;
    }
}
