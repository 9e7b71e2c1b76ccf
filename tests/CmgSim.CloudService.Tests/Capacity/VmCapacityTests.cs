using System.Net;
using System.Text.Json;
using CmgSim.CloudService.Capacity;
using CmgSim.Core.Errors;

namespace CmgSim.CloudService.Tests.Capacity;

/// <summary>One VM instance's capacity model on real Kestrel and TLS: client connections counted against its VM size.</summary>
public sealed class VmCapacityTests(CapacityTestLab lab) : IClassFixture<CapacityTestLab>
{
    private const string InstanceHeader = VmCapacityProtocol.VmInstanceHeader;
    private const string DelayHeader = VmCapacityProtocol.AddedDelayHeader;

    [Fact]
    public async Task LabSize_TenConnectionsServedAtOnce_EleventhDelaysEveryRequest_ClosingTwoEndsIt_OneLogLineEachWay()
    {
        using var logs = new MemoryLogs();
        await using var host = await lab.StartInstanceAsync(logs.Factory, static c => c.VmSize = "lab");
        var publicUrl = CapacityTestLab.PublicUrl(host);
        var clients = new List<HttpClient>();
        try
        {
            for (var i = 0; i < 10; i++)
            {
                var client = lab.Connect(publicUrl);
                clients.Add(client);
                using var response = await client.GetAsync(CapacityTestLab.MetadataPath);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                Assert.Equal("ProxyService_IN_0", CapacityTestLab.Header(response, InstanceHeader));
                Assert.Null(CapacityTestLab.Header(response, DelayHeader));
            }

            await CapacityTestLab.EventuallyAsync(() => host.CapacityStatus.ActiveConnections == 10, "10 client connections are counted");
            Assert.False(host.CapacityStatus.Overloaded);
            Assert.Equal(0, host.CapacityStatus.AddedDelayMs);

            // The 11th connection: 10 % over the Lab size's 10 → 50 ms + 20 ms × 10 = 250 ms on every request.
            var eleventh = lab.Connect(publicUrl);
            clients.Add(eleventh);
            using (var response = await eleventh.GetAsync(CapacityTestLab.MetadataPath))
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                Assert.Equal("250", CapacityTestLab.Header(response, DelayHeader));
            }

            using (var response = await clients[0].GetAsync(CapacityTestLab.MetadataPath))
            {
                Assert.Equal("250", CapacityTestLab.Header(response, DelayHeader));
            }

            var overloaded = host.CapacityStatus;
            Assert.True(overloaded.Overloaded);
            Assert.Equal(11, overloaded.ActiveConnections);
            Assert.Equal(250, overloaded.AddedDelayMs);

            clients[0].Dispose();
            clients[1].Dispose();
            await CapacityTestLab.EventuallyAsync(() => host.CapacityStatus.ActiveConnections == 9, "closed connections stop counting");
            using (var response = await eleventh.GetAsync(CapacityTestLab.MetadataPath))
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                Assert.Null(CapacityTestLab.Header(response, DelayHeader));
            }

            var status = host.CapacityStatus;
            Assert.False(status.Overloaded);
            Assert.Equal(11, status.PeakConnections);
            Assert.Equal(13, status.Requests);
            Assert.Equal("VM instance ProxyService_IN_0 over capacity (11 of 10 client connections; VM size lab, Standard_B2s): it keeps serving, each client request delayed by 250 ms or more as the overload grows", Assert.Single(logs.Messages("over capacity")));
            Assert.Equal("VM instance ProxyService_IN_0 back within capacity (10 of 10 client connections)", Assert.Single(logs.Messages("back within capacity")));
        }
        finally
        {
            clients.ForEach(static c => c.Dispose());
        }
    }

    [Fact]
    public async Task RefuseMode_RequestsOnTheConnectionPastTheLimit_Get503ServiceUnavailable_UntilAConnectionCloses()
    {
        using var logs = new MemoryLogs();
        await using var host = await lab.StartInstanceAsync(logs.Factory, static c =>
        {
            c.VmSize = "lab";
            c.OverloadMode = OverloadMode.Refuse;
        });
        var publicUrl = CapacityTestLab.PublicUrl(host);
        var clients = Enumerable.Range(0, 10).Select(_ => lab.Connect(publicUrl)).ToList();
        try
        {
            foreach (var client in clients)
            {
                using var response = await client.GetAsync(CapacityTestLab.MetadataPath);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }

            using var eleventh = lab.Connect(publicUrl);
            using (var refused = await eleventh.GetAsync(CapacityTestLab.MetadataPath))
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
                Assert.Equal(CmgErrorInfo.ServiceUnavailableCode, refused.ReasonPhrase);
                Assert.Equal(CmgErrorInfo.ServiceUnavailableCode, CapacityTestLab.Header(refused, CmgErrorInfo.ErrorCodeHeader));
                Assert.Equal("ProxyService_IN_0", CapacityTestLab.Header(refused, InstanceHeader));
                Assert.Null(CapacityTestLab.Header(refused, DelayHeader));
            }

            // Connections within the limit are still served, without delay.
            using (var served = await clients[0].GetAsync(CapacityTestLab.MetadataPath))
            {
                Assert.Equal(HttpStatusCode.OK, served.StatusCode);
                Assert.Null(CapacityTestLab.Header(served, DelayHeader));
            }

            Assert.Contains(logs.Messages("over capacity (11 of 10 client connections)"), static m => m.Contains("answered 503 CMGConnector_ServiceUnavailable: VM instance ProxyService_IN_0 over capacity (11 of 10 client connections)", StringComparison.Ordinal));
            Assert.Equal(0, host.CapacityStatus.AddedDelayMs);

            clients[0].Dispose();
            await CapacityTestLab.EventuallyAsync(() => host.CapacityStatus.ActiveConnections == 10, "the closed connection stops counting");
            using var now = await eleventh.GetAsync(CapacityTestLab.MetadataPath);
            Assert.Equal(HttpStatusCode.OK, now.StatusCode);
        }
        finally
        {
            clients.ForEach(static c => c.Dispose());
        }
    }

    [Fact]
    public async Task StatusEndpoint_OnlyOnTheInstanceListener_ItsOwnConnectionDoesNotCount()
    {
        using var logs = new MemoryLogs();
        await using var host = await lab.StartInstanceAsync(logs.Factory, static c => c.VmSize = "vmss-2103", number: 3);
        using var client = lab.Connect(CapacityTestLab.PublicUrl(host));
        using (var response = await client.GetAsync(CapacityTestLab.MetadataPath))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        using (var onPublic = await client.GetAsync(VmCapacityProtocol.StatusPath))
        {
            Assert.Equal(HttpStatusCode.NotFound, onPublic.StatusCode);
        }

        using var monitor = lab.Connect(host.InstanceUrl);
        using var status = await monitor.GetAsync(VmCapacityProtocol.StatusPath);
        Assert.Equal(HttpStatusCode.OK, status.StatusCode);
        Assert.Equal("ProxyService_IN_3", CapacityTestLab.Header(status, InstanceHeader));
        using var json = JsonDocument.Parse(await status.Content.ReadAsStringAsync());
        var root = json.RootElement;
        Assert.Equal("ProxyService_IN_3", root.GetProperty("instance").GetString());
        Assert.Equal("vmss-2103", root.GetProperty("profile").GetString());
        Assert.Equal(2000, root.GetProperty("supportedConnections").GetInt32());
        Assert.Equal(1, root.GetProperty("activeConnections").GetInt32());
        Assert.True(root.GetProperty("peakConnections").GetInt32() >= 1);
        // Client requests to CMG URLs; the status requests are not among them.
        Assert.Equal(1, root.GetProperty("requests").GetInt64());
        Assert.Equal(0, root.GetProperty("addedDelayMs").GetInt64());
        Assert.False(root.GetProperty("overloaded").GetBoolean());
        Assert.Equal("Standard_A2_v2", root.GetProperty("azureSize").GetString());
        Assert.Equal("Delay", root.GetProperty("overloadMode").GetString());
        Assert.Equal(host.StatusUrl, new Uri(host.InstanceUrl, VmCapacityProtocol.StatusPath));
    }

    [Fact]
    public async Task ErrorAnswers_AlsoNameTheVmInstance()
    {
        using var logs = new MemoryLogs();
        await using var host = await lab.StartInstanceAsync(logs.Factory, static _ => { });
        using var client = lab.Connect(CapacityTestLab.PublicUrl(host));

        // A ServerAuth URL without a token: the CMG's 401, written after the response was cleared.
        using var response = await client.GetAsync("/CCM_Proxy_ServerAuth/72057594037927939/SMS_MP/.sms_aut?MPLIST");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("ProxyService_IN_0", CapacityTestLab.Header(response, InstanceHeader));
    }

    [Fact]
    public async Task TwoInstancesSharingThePublicPort_FortyConnectionsSpreadOverBoth()
    {
        using var logs = new MemoryLogs();
        await using var first = await lab.StartInstanceAsync(logs.Factory, static _ => { }, number: 0);
        await using var second = await lab.StartInstanceAsync(logs.Factory, static _ => { }, number: 1, publicPort: first.PublicPort);
        Assert.Equal(first.PublicPort, second.PublicPort);
        var clients = Enumerable.Range(0, 40).Select(_ => lab.Connect(CapacityTestLab.PublicUrl(first))).ToList();
        try
        {
            var instances = new List<string>();
            foreach (var client in clients)
            {
                using var response = await client.GetAsync(CapacityTestLab.MetadataPath);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                instances.Add(CapacityTestLab.Header(response, InstanceHeader)!);
            }

            // The kernel picks the instance (SO_REUSEPORT); 40 connections all on one is a 2 × 2^-40 chance.
            Assert.Equal(["ProxyService_IN_0", "ProxyService_IN_1"], instances.Distinct().Order());
            await CapacityTestLab.EventuallyAsync(() => first.CapacityStatus.ActiveConnections + second.CapacityStatus.ActiveConnections == 40, "every connection is counted once");
            Assert.Equal(instances.Count(static i => i == "ProxyService_IN_0"), first.CapacityStatus.ActiveConnections);
            Assert.True(second.CapacityStatus.ActiveConnections > 0);
        }
        finally
        {
            clients.ForEach(static c => c.Dispose());
        }
    }
}
