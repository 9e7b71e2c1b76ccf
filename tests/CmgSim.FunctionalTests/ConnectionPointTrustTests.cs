using System.Security.Cryptography.X509Certificates;
using CmgSim.ConnectionPoint;
using CmgSim.ConnectionPoint.Forwarding;
using CmgSim.ConnectionPoint.Hosting;
using CmgSim.Core.Topology;
using CmgSim.Identity.Pki;
using CmgSim.Topology;
using Microsoft.Extensions.Logging;

namespace CmgSim.FunctionalTests;

/// <summary>The CMG refuses connection points it does not trust, and a refused connection point stops retrying.</summary>
public sealed class ConnectionPointTrustTests
{
    [Fact]
    public async Task UntrustedConnectionPointCertificate_Gets403_AndStopsRetrying()
    {
        await using var lab = await TestLab.StartAsync();
        using var certificate = LabPki.CreateUntrustedClientCertificate("ROGUE01.contoso.com", TimeProvider.System);

        var status = await RunRogueConnectionPointAsync(lab, "ROGUE01.contoso.com", certificate);

        Assert.StartsWith("403", status.RejectedReason);
        Assert.Contains("CMGConnector_Clientcertificaterequired", status.RejectedReason);
        Assert.Equal(0, status.Reconnects);
        Assert.DoesNotContain(lab.Instances[0].Channels.ConnectionPoints, c => c.Name == "ROGUE01.contoso.com");
    }

    [Fact]
    public async Task TrustedCertificateNamingAnotherConnectionPoint_Gets403()
    {
        await using var lab = await TestLab.StartAsync();
        var now = TimeProvider.System.GetUtcNow();
        var issued = lab.Pki.IssueClientCertificate("CMGCP07.contoso.com", now.AddDays(-1), now.AddDays(30));

        // A lab certificate, but for CMGCP07, presented by a connection point calling itself CMGCP08.
        var status = await RunRogueConnectionPointAsync(lab, "CMGCP08.contoso.com", issued.Certificate);

        Assert.StartsWith("403", status.RejectedReason);
        Assert.Equal(0, status.Reconnects);
        using var client = TestLab.CreateClient(lab, lab.Pki.Clients[0].Certificate);
        using var response = await client.GetAsync(TestLab.MpPath(lab, "/SMS_MP/.sms_aut?MPLIST"));
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
    }

    private static async Task<Tunnel.ConnectionPointSide.InstanceChannelStatus> RunRogueConnectionPointAsync(LabTopology lab, string name, X509Certificate2 certificate)
    {
        await using var rogue = await ConnectionPointHost.StartAsync(new ConnectionPointHostSettings
        {
            ServiceName = lab.Document.ServiceName,
            VmInstanceChannelUrls = [lab.Instances[0].ChannelUrl],
            Configure = cp =>
            {
                cp.Name = name;
                cp.SiteCode = lab.Document.SiteCode;
                cp.UrlMappings.Add(new UrlMapping { EndpointId = lab.Document.Roles[0].EndpointId, Kind = SiteRoleKind.ManagementPoint, InternalUrl = lab.ManagementPointUrl });
            },
            ConfigureChannels = channels =>
            {
                channels.ClientCertificate = certificate;
                channels.TrustedRoots.Add(lab.Pki.RootCa);
                channels.ReconnectDelay = TimeSpan.FromMilliseconds(50);
                channels.MaxReconnectDelay = TimeSpan.FromMilliseconds(100);
            },
            SiteRoleTls = new SiteRoleTlsSettings { ClientCertificate = certificate, TrustedRoots = [lab.Pki.RootCa] },
            LoggerFactory = LoggerFactory.Create(static _ => { }),
            ShutdownTimeout = TimeSpan.FromSeconds(1),
        });

        var started = TimeProvider.System.GetTimestamp();
        while (rogue.Channels.Instances.FirstOrDefault()?.RejectedReason is null)
        {
            Assert.True(TimeProvider.System.GetElapsedTime(started) < TimeSpan.FromSeconds(10), "the connection point was never refused");
            await Task.Delay(20);
        }

        // With a 50 ms backoff, a connection point that kept retrying would show reconnects by now.
        await Task.Delay(500);
        return rogue.Channels.Instances.Single();
    }
}
