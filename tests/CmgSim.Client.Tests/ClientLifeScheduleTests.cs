using Microsoft.Extensions.Time.Testing;

namespace CmgSim.Client.Tests;

public sealed class ClientLifeScheduleTests
{
    [Fact]
    public async Task Three_compressed_hours_poll_policy_three_times_in_three_seconds()
    {
        var time = new FakeTimeProvider();
        var polls = 0;
        var inventories = 0;
        var schedule = Create(time, new ClientLifeOptions { TimeCompression = 3600 }, () => polls++, () => inventories++);

        var run = schedule.RunAsync(TimeSpan.FromHours(3));
        time.Advance(TimeSpan.FromSeconds(1.5));
        await WaitUntilAsync(() => Volatile.Read(ref polls) == 1);
        Assert.False(run.IsCompleted);

        time.Advance(TimeSpan.FromSeconds(1.5));
        var result = await run.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(3, result.PolicyPolls);
        Assert.Equal(3, polls);
        Assert.Equal(0, result.InventoryCycles);
        Assert.Equal(3, result.Steps.Count);
        Assert.True(result.Succeeded);
    }

    [Fact]
    public async Task Two_compressed_weeks_run_two_inventory_cycles_among_the_policy_polls()
    {
        var time = new FakeTimeProvider();
        var polls = 0;
        var inventories = 0;
        var options = new ClientLifeOptions { TimeCompression = TimeSpan.FromDays(1).TotalSeconds, PolicyPollingInterval = TimeSpan.FromHours(6) };
        var schedule = Create(time, options, () => polls++, () => inventories++);

        var run = schedule.RunAsync(TimeSpan.FromDays(14));
        time.Advance(TimeSpan.FromSeconds(14));
        var result = await run.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(14 * 4, result.PolicyPolls);
        Assert.Equal(2, result.InventoryCycles);
        Assert.Equal(2, inventories);
    }

    [Fact]
    public async Task Cancellation_stops_the_schedule()
    {
        var time = new FakeTimeProvider();
        using var cancellation = new CancellationTokenSource();
        var schedule = Create(time, new ClientLifeOptions { TimeCompression = 3600 }, static () => { }, static () => { });

        var run = schedule.RunAsync(TimeSpan.FromHours(3), cancellation.Token);
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
    }

    private static ClientLifeSchedule Create(FakeTimeProvider time, ClientLifeOptions options, Action onPoll, Action onInventory) =>
        new(options, time, _ => Step("Policy", onPoll), _ => Step("HINV", onInventory));

    private static Task<ClientStepResult> Step(string name, Action count)
    {
        count();
        return Task.FromResult(new ClientStepResult(name, "test", 200, TimeSpan.Zero, true, null));
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var started = TimeProvider.System.GetTimestamp();
        while (!condition())
        {
            Assert.True(TimeProvider.System.GetElapsedTime(started) < TimeSpan.FromSeconds(10), "condition not met within 10 s");
            await Task.Delay(TimeSpan.FromMilliseconds(10), TimeProvider.System);
        }
    }
}
