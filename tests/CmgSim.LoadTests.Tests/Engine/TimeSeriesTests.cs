using CmgSim.LoadTests.Engine;

namespace CmgSim.LoadTests.Tests.Engine;

[Collection(RealTimeGroup.Name)]
public sealed class TimeSeriesTests
{
    [Fact]
    public async Task The_time_series_has_one_point_per_window_and_gauges_are_sampled_each_window()
    {
        var sampled = 0;
        var scenario = LoadScenario.Create("series", async ctx =>
        {
            ctx.SetGauge("busy", 1);
            await ctx.Step("s", () => Quiet.DelayedOk(ctx, TimeSpan.FromMilliseconds(10)));
        }).WithLoadSimulations(LoadSimulation.KeepConstant(1, TimeSpan.FromSeconds(2)));

        var result = await Quiet.Runner()
            .WithWindow(TimeSpan.FromMilliseconds(250))
            .WithGaugeSampler("cmg", () =>
            {
                var n = Interlocked.Increment(ref sampled);
                return ValueTask.FromResult<IReadOnlyDictionary<string, double>>(new Dictionary<string, double>
                {
                    ["vm0.connections"] = n,
                    ["vm1.connections"] = 2 * n,
                });
            })
            .AddScenario(scenario)
            .RunAsync();

        var run = result.GetScenario("series");
        var series = run.Series;

        // 2 s in 250 ms windows: 8 full windows, plus the partial one that closes the run. A window loop held up by
        // a busy machine closes one longer window (a multiple of 250 ms) rather than inventing points.
        Assert.InRange(series.Sum(p => p.Seconds), 1.9, 2.6);
        Assert.All(series.SkipLast(1), p => Assert.InRange(p.Seconds / 0.25, 0.6, 40));
        var windowsCovered = 1 + series.SkipLast(1).Sum(p => (int)Math.Round(p.Seconds / 0.25));
        Assert.InRange(windowsCovered, 8, 9);
        if (series.SkipLast(1).All(p => p.Seconds < 0.4))
        {
            Assert.InRange(series.Count, 8, 9);
        }
        Assert.Equal(series.OrderBy(p => p.T).Select(p => p.T), series.Select(p => p.T));
        Assert.Equal(run.Iteration.OkCount, series.Sum(p => p.Ok));
        Assert.Equal(run.GetStep("s")!.OkCount, run.StepSeries["s"].Sum(p => p.Ok));
        Assert.Equal(series.Count, run.StepSeries["s"].Count);
        Assert.All(series.Where(p => p.Ok > 0), p => Assert.InRange(p.P50Ms, 9, 200));
        Assert.All(series.SkipLast(2), p => Assert.Equal(1, p.Copies));

        var cmg = Assert.Single(result.Gauges, g => g.Name == "cmg");
        Assert.Equal(series.Count, cmg.Points.Count);
        Assert.Equal(sampled, cmg.Points.Count);
        Assert.All(cmg.Points, p => Assert.Equal(2 * p.Values["vm0.connections"], p.Values["vm1.connections"]));
        var pushed = Assert.Single(result.Gauges, g => g.Name == "series");
        Assert.All(pushed.Points, p => Assert.Equal(1, p.Values["busy"]));
    }
}
