using CmgSim.Tunnel.CloudSide;
using Microsoft.AspNetCore.Http;
using static CmgSim.Tunnel.Tests.ConnectionPointChannelsTests;

namespace CmgSim.Tunnel.Tests;

/// <summary>Which connection point a VM instance picks for a request.</summary>
public sealed class ChannelRegistryTests : IDisposable
{
    private readonly ChannelRegistry _registry = CreateRegistry(TimeSpan.FromSeconds(1));

    [Fact]
    public void Pick_AlternatesBetweenConnectedConnectionPointsOfTheSite()
    {
        var first = Connected(Publication("CP-A", "PS1", 1, 2));
        var second = Connected(Publication("CP-B", "ps1", 1));

        var picks = Enumerable.Range(0, 6).Select(_ => _registry.PickConnectionPoint("PS1", 1)).ToList();

        Assert.All(picks, p => Assert.NotNull(p));
        Assert.Equal(3, picks.Count(p => p == first));
        Assert.Equal(3, picks.Count(p => p == second));
        for (var i = 1; i < picks.Count; i++)
        {
            Assert.NotSame(picks[i - 1], picks[i]);
        }
    }

    [Fact]
    public void Pick_SkipsConnectionPointsWithoutChannels_OtherSites_AndOtherEndpoints()
    {
        var connected = Connected(Publication("CP-A", "PS1", 1));
        _registry.Publish(Publication("CP-B", "PS1", 1));
        Connected(Publication("CP-C", "PS2", 1));
        Connected(Publication("CP-D", "PS1", 2));

        for (var i = 0; i < 4; i++)
        {
            Assert.Same(connected, _registry.PickConnectionPoint("PS1", 1));
        }

        Assert.Null(_registry.PickConnectionPoint("PS3", 1));
        Assert.Null(_registry.PickConnectionPoint("PS1", 3));
    }

    [Fact]
    public async Task Pick_DropsAConnectionPointOnceItsLastChannelCloses()
    {
        var first = Connected(Publication("CP-A", "PS1", 1));
        var channel = new FakeChannel().AddTo(_registry.Publish(Publication("CP-B", "PS1", 1)));

        channel.Stream.Abort();
        await channel.Closed;

        Assert.Same(first, _registry.PickConnectionPoint("PS1", 1));
        Assert.Same(first, _registry.PickConnectionPoint("PS1", 1));
    }

    [Fact]
    public void Publish_Again_UpdatesTheSameConnectionPoint()
    {
        var channels = Connected(Publication("CP-A", "PS1", 1));

        var again = _registry.Publish(Publication("cp-a", "PS1", 2));

        Assert.Same(channels, again);
        Assert.Same(channels, _registry.PickConnectionPoint("PS1", 2));
        Assert.Null(_registry.PickConnectionPoint("PS1", 1));
    }

    [Fact]
    public async Task Channel_FromAnUnpublishedConnectionPoint_IsRefusedWith409()
    {
        var context = new DefaultHttpContext();

        await _registry.AcceptChannelAsync(context, "CP-X");

        Assert.Equal(StatusCodes.Status409Conflict, context.Response.StatusCode);
    }

    private ConnectionPointChannels Connected(ConnectionPointPublication publication)
    {
        var channels = _registry.Publish(publication);
        new FakeChannel().AddTo(channels);
        return channels;
    }

    public void Dispose() => _registry.Dispose();
}
