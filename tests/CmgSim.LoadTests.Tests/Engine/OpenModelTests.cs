using System.Diagnostics;
using CmgSim.LoadTests.Engine;

namespace CmgSim.LoadTests.Tests.Engine;

[Collection(RealTimeGroup.Name)]
public sealed class OpenModelTests
{
    [Fact]
    public async Task IterationsForInject_runs_exactly_the_requested_iterations()
    {
        var calls = 0;
        var scenario = LoadScenario.Create("inject-exact", ctx =>
        {
            Interlocked.Increment(ref calls);
            return ctx.Step("s", () => Quiet.DelayedOk(ctx, TimeSpan.FromMilliseconds(3))).AsTask();
        }).WithLoadSimulations(LoadSimulation.IterationsForInject(rate: 500, TimeSpan.FromSeconds(1), iterations: 200));

        var result = await Quiet.Runner().AddScenario(scenario).RunAsync();

        var run = result.GetScenario("inject-exact");
        Assert.Equal(ExitCodes.Passed, result.ExitCode);
        Assert.Equal(200, calls);
        Assert.Equal(200, run.Iteration.OkCount);
        Assert.Equal(0, run.Dropped);
        Assert.Equal(0, run.Interrupted);
    }

    [Fact]
    public async Task A_slow_step_with_one_instance_shows_latency_from_the_intended_start_and_late_starts()
    {
        // 20 arrivals per second for 1 s, each taking 100 ms, one instance: arrival k can only start at k × 100 ms
        // although it was due at k × 50 ms, so its latency is about 100 + 50·k ms while its service time stays 100 ms.
        var scenario = LoadScenario.Create("slow", ctx => ctx.Step("slow", () => Quiet.DelayedOk(ctx, TimeSpan.FromMilliseconds(100))).AsTask())
            .WithLoadSimulations(LoadSimulation.Inject(20, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)))
            .WithOpenModelInstances(max: 1);

        var result = await Quiet.Runner().WithWindow(TimeSpan.FromMilliseconds(250)).AddScenario(scenario).RunAsync();

        var run = result.GetScenario("slow");
        var step = run.GetStep("slow")!;
        var ran = run.Iteration.OkCount;
        Assert.True(ran >= 3, $"only {ran} ran");

        // Every scheduled arrival is accounted for: it ran, or it never got the instance before the phase ended.
        Assert.Equal(20, ran + run.Dropped);

        // Each arrival after the first found the instance busy (the previous one started at most 50 ms earlier and
        // takes 100 ms), so it started at least 50 ms late.
        Assert.InRange(run.LateStarts, ran - 1, ran);

        // Service time is the step's own 100 ms; latency adds the wait since the intended start. The k-th started
        // arrival cannot start before k × 100 ms but was due at k × 50 ms, so latency − service ≥ 50·k ms, on average
        // ≥ 25·(n − 1) ms, and the last one's latency ≥ service + 50·(n − 1) ms. These are lower bounds: a slower
        // machine only makes the waits longer. A coordinated-omission-blind tool would report 100 ms throughout.
        Assert.True(step.ServiceTime.P50Ms >= 95, $"service p50 {step.ServiceTime.P50Ms} ms");
        Assert.True(
            step.Latency.MeanMs - step.ServiceTime.MeanMs >= 0.95 * 25 * (ran - 1),
            $"latency mean {step.Latency.MeanMs} ms, service mean {step.ServiceTime.MeanMs} ms, {ran} ran");
        Assert.True(
            step.Latency.MaxMs >= step.ServiceTime.MinMs + (0.95 * 50 * (ran - 1)),
            $"latency max {step.Latency.MaxMs} ms, service min {step.ServiceTime.MinMs} ms, {ran} ran");
        Assert.Equal(step.Latency.MaxMs, run.Iteration.Latency.MaxMs, 0);
    }

    [Fact]
    public async Task With_the_drop_policy_arrivals_without_an_instance_are_dropped_not_delayed()
    {
        var scenario = LoadScenario.Create("drop", ctx => ctx.Step("slow", () => Quiet.DelayedOk(ctx, TimeSpan.FromMilliseconds(100))).AsTask())
            .WithLoadSimulations(LoadSimulation.Inject(20, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)))
            .WithOpenModelInstances(max: 1, overflow: OverflowPolicy.Drop);

        var result = await Quiet.Runner().AddScenario(scenario).RunAsync();

        var run = result.GetScenario("drop");
        var ran = run.Iteration.OkCount;
        Assert.True(run.Dropped >= 5, $"dropped {run.Dropped}");
        Assert.Equal(20, ran + run.Dropped);

        // Nothing waited for the instance: the queueing delay that StartLate must show (≥ 25·(n − 1) ms on average,
        // see above) is absent; only the generator's own jitter remains.
        var wait = run.Iteration.Latency.MeanMs - run.Iteration.ServiceTime.MeanMs;
        Assert.True(wait < 0.95 * 25 * (ran - 1), $"latency mean {run.Iteration.Latency.MeanMs}, service mean {run.Iteration.ServiceTime.MeanMs}, {ran} ran");
    }

    [Fact]
    public async Task A_fractional_rate_of_half_per_second_over_four_seconds_runs_two_invocations()
    {
        var starts = new System.Collections.Concurrent.ConcurrentQueue<long>();
        var scenario = LoadScenario.Create("fractional", ctx =>
        {
            starts.Enqueue(Stopwatch.GetTimestamp());
            return ctx.Step("s", () => Quiet.Ok()).AsTask();
        }).WithLoadSimulations(LoadSimulation.Inject(0.5, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(4)));

        var result = await Quiet.Runner().AddScenario(scenario).RunAsync();

        var run = result.GetScenario("fractional");
        Assert.Equal(2, run.Iteration.OkCount);
        Assert.Equal(2, starts.Count);
        Assert.InRange(Stopwatch.GetElapsedTime(starts.First(), starts.Last()).TotalSeconds, 1.0, 3.0);
        Assert.InRange(run.DurationSeconds, 3.9, 5);
    }

    [Fact]
    public async Task Poisson_arrivals_with_a_seed_follow_the_reproducible_schedule()
    {
        var expected = new ArrivalSchedule([new RateSegment(1, 40, 40)], new Random(42));
        var count = 0;
        while (expected.TryNext(out _))
        {
            count++;
        }

        var scenario = LoadScenario.Create("poisson", ctx => ctx.Step("s", () => Quiet.Ok()).AsTask())
            .WithLoadSimulations(LoadSimulation.Inject(40, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)))
            .WithPoissonArrivals(seed: 42);

        var result = await Quiet.Runner().AddScenario(scenario).RunAsync();

        var run = result.GetScenario("poisson");
        Assert.Equal(count, run.Iteration.Count + run.Dropped);
        Assert.NotEqual(40, count);
    }
}
