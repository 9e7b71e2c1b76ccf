
namespace CmgSim.Tunnel.Tests;

public sealed class ChannelTests
{
    [Fact]
    public async Task Request_ThroughChannel_ReachesConnectionPoint()
    {
        await using var topology = await ChannelTestTopology.StartCloudAsync();
        await topology.StartConnectionPointAsync();
        await topology.WaitForChannelsAsync(2);
        using var client = topology.CreatePublicClient();

        var body = await client.GetStringAsync("/fwd/hello");

        Assert.Equal("hello from the connection point", body);
    }
}
