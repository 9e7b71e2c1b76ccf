namespace CmgSim.FunctionalTests;

public sealed class ChannelStabilityTests
{
    [Fact]
    public async Task IdleTopology_ChannelsStayUp_WithoutChurn()
    {
        await using var lab = await TestLab.StartAsync(o => o.ChannelsPerInstance = 2);
        var connectionPoint = lab.ConnectionPoints[0]!;
        await lab.WaitForChannelsAsync(TimeSpan.FromSeconds(10));
        await Eventually(() => connectionPoint.Channels.OpenChannels == 2);
        var openedBefore = connectionPoint.Channels.Instances.Sum(i => i.OpenedTotal);

        // Several of Kestrel's 1 s heartbeats: a keep-alive or timeout misconfiguration closes channels here.
        await Task.Delay(TimeSpan.FromSeconds(3.5));

        Assert.Equal(2, connectionPoint.Channels.OpenChannels);
        Assert.Equal(openedBefore, connectionPoint.Channels.Instances.Sum(i => i.OpenedTotal));
        Assert.Equal(0, connectionPoint.Channels.Instances.Sum(i => i.Reconnects));
    }

    private static async Task Eventually(Func<bool> condition)
    {
        var started = TimeProvider.System.GetTimestamp();
        while (!condition())
        {
            Assert.True(TimeProvider.System.GetElapsedTime(started) < TimeSpan.FromSeconds(10), "condition not met within 10 s");
            await Task.Delay(25);
        }
    }
}
