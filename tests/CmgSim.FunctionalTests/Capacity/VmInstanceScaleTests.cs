using System.Net;
using CmgSim.CloudService.Capacity;
using CmgSim.Core.Topology;
using Microsoft.Extensions.Logging;

namespace CmgSim.FunctionalTests.Capacity;

/// <summary>VM instances added and removed while the CMG runs, as changing the instance count in its properties does.</summary>
public sealed class VmInstanceScaleTests
{
    private const string TooManyInstances = "one CMG connection point supports up to 4 VM instances";

    [Fact]
    public async Task AddVmInstance_FourToFive_TheConnectionPointDialsIt_RequestsThroughItSucceed_AndItWarns()
    {
        await using var running = await TestLab.StartWithLogsAsync(static o => o.Instances = 4);
        var lab = running.Lab;
        Assert.DoesNotContain(running.Logs.Records, static r => r.Message.Contains(TooManyInstances, StringComparison.Ordinal));
        var since = running.Logs.Records.Count;

        var added = await lab.AddVmInstanceAsync();

        Assert.Equal("ProxyService_IN_4", added.Name);
        Assert.Equal(5, lab.Instances.Count);
        Assert.Contains(lab.ConnectionPoints[0]!.Channels.Instances, i => i.ChannelUrl.Port == added.ChannelUrl.Port && i.OpenChannels > 0);
        using (var client = TestLab.CreateClient(lab, lab.Pki.Clients[0].Certificate))
        {
            client.BaseAddress = added.InstanceUrl;
            using var response = await client.GetAsync(TestLab.MpPath(lab, "/SMS_MP/.sms_aut?MPLIST"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(["ProxyService_IN_4"], response.Headers.GetValues(VmCapacityProtocol.VmInstanceHeader));
        }

        var warning = await running.Logs.WaitForAsync(static r => r.Message.Contains(TooManyInstances, StringComparison.Ordinal), TimeSpan.FromSeconds(5), "warning that one connection point serves five VM instances", since);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Equal("Connection point CMGCP01.contoso.com keeps channels to 5 VM instances; one CMG connection point supports up to 4 VM instances. Add connection points: 2 for this many VM instances.", warning.Message);

        var document = await TopologyDocument.LoadAsync(lab.Layout.TopologyFile);
        Assert.Equal(["ProxyService_IN_0", "ProxyService_IN_1", "ProxyService_IN_2", "ProxyService_IN_3", "ProxyService_IN_4"], document.Instances.Select(static i => i.Name));
        Assert.Equal(added.StatusUrl.AbsoluteUri, document.Instances[4].StatusUrl);
        Assert.Equal("standard", document.VmSize);
    }

    [Fact]
    public async Task FiveVmInstancesAtStart_OneConnectionPoint_WarnsOnce()
    {
        await using var running = await TestLab.StartWithLogsAsync(static o => o.Instances = 5);

        var warning = Assert.Single(running.Logs.Records, static r => r.Message.Contains(TooManyInstances, StringComparison.Ordinal));
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.StartsWith("CmgSim.ConnectionPoint", warning.Category, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RemoveVmInstance_ClientsOnItReconnectThroughThePublicPort_AfterAtMostOneRetry()
    {
        await using var running = await TestLab.StartWithLogsAsync(static o => o.Instances = 2);
        var lab = running.Lab;
        using var client = TestLab.CreateClient(lab, lab.Pki.Clients[0].Certificate);
        var path = TestLab.MpPath(lab, "/SMS_MP/.sms_aut?MPLIST");
        string? InstanceOf(HttpResponseMessage response) =>
            response.Headers.TryGetValues(VmCapacityProtocol.VmInstanceHeader, out var values) ? values.Single() : null;

        using (var first = await client.GetAsync(path))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        string? servedBy;
        using (var probe = await client.GetAsync(path))
        {
            servedBy = InstanceOf(probe);
        }

        Assert.NotNull(servedBy);
        var number = int.Parse(servedBy["ProxyService_IN_".Length..], System.Globalization.CultureInfo.InvariantCulture);

        // A plain client loop: every request succeeds, with at most one retry, while its instance goes away.
        using var stop = new CancellationTokenSource();
        var retries = 0;
        var served = new List<string?>();
        var loop = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                HttpResponseMessage response;
                try
                {
                    response = await client.GetAsync(path);
                }
                catch (HttpRequestException)
                {
                    retries++;
                    response = await client.GetAsync(path);
                }

                using (response)
                {
                    Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                    lock (served)
                    {
                        served.Add(InstanceOf(response));
                    }
                }
            }
        });

        await TestLab.EventuallyAsync(() => Task.FromResult(Count(served) >= 3), TimeSpan.FromSeconds(10), "the loop runs");
        await lab.RemoveVmInstanceAsync(number);
        var afterRemoval = Count(served);
        await TestLab.EventuallyAsync(() => Task.FromResult(Count(served) >= afterRemoval + 5), TimeSpan.FromSeconds(10), "requests go on after the removal");
        await stop.CancelAsync();
        await loop;

        var remaining = Assert.Single(lab.Instances);
        Assert.NotEqual(servedBy, remaining.Name);
        lock (served)
        {
            Assert.Equal(remaining.Name, served[^1]);
        }

        Assert.InRange(retries, 0, 1);
        var document = await TopologyDocument.LoadAsync(lab.Layout.TopologyFile);
        Assert.Equal([remaining.Name], document.Instances.Select(static i => i.Name));
        Assert.Single(lab.ConnectionPoints[0]!.Channels.Instances);
    }

    [Fact]
    public async Task RemoveVmInstance_TheLastOneOrAnUnknownOne_IsRefused()
    {
        await using var lab = await TestLab.StartAsync();

        await Assert.ThrowsAsync<InvalidOperationException>(() => lab.RemoveVmInstanceAsync(0));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => lab.RemoveVmInstanceAsync(7));
        Assert.Single(lab.Instances);
    }

    [Fact]
    public async Task AddVmInstance_PastSixteen_IsRefused()
    {
        await using var lab = await TestLab.StartAsync(static o =>
        {
            o.Instances = 16;
            o.ConnectionPoints = 4;
            o.ChannelsPerInstance = 1;
        });

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => lab.AddVmInstanceAsync());

        Assert.Contains("at most 16", refused.Message, StringComparison.Ordinal);
        Assert.Equal(16, lab.Instances.Count);
    }

    private static int Count(List<string?> served)
    {
        lock (served)
        {
            return served.Count;
        }
    }
}
