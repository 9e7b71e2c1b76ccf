using System.Security.Cryptography.X509Certificates;
using CmgSim.Client;
using CmgSim.Topology;
using Microsoft.Extensions.Logging;

namespace CmgSim.FunctionalTests;

/// <summary>Starts a whole topology on free loopback ports in a fresh lab folder.</summary>
internal static class TestLab
{
    public static async Task<LabTopology> StartAsync(Action<TopologyOptions>? configure = null, ILoggerFactory? loggerFactory = null)
    {
        var options = new TopologyOptions
        {
            LabDirectory = Path.Combine(Path.GetTempPath(), "cmgsim-tests", Guid.NewGuid().ToString("N")),
            PublicPort = 0,
            ChannelPortBase = 0,
            ReconnectDelay = TimeSpan.FromMilliseconds(100),
            MaxReconnectDelay = TimeSpan.FromMilliseconds(500),
            SiteRoleBreakDuration = TimeSpan.FromMilliseconds(500),
            ShutdownTimeout = TimeSpan.FromSeconds(1),
            ClientCount = 2,
        };
        configure?.Invoke(options);
        return await LabTopology.StartAsync(options, loggerFactory ?? LoggerFactory.Create(static b => b.AddConsole().SetMinimumLevel(LogLevel.Warning)));
    }

    /// <summary>An HTTP client that trusts the lab root, optionally presents a certificate, and reaches the CMG's public port.</summary>
    public static HttpClient CreateClient(LabTopology lab, X509Certificate2? clientCertificate, bool http11 = true)
    {
        var handler = CmgClientHttp.CreateHandler(clientCertificate, lab.Pki.RootCa, null, null);
        var client = new HttpClient(handler) { BaseAddress = lab.PublicUrl, Timeout = TimeSpan.FromSeconds(30) };
        if (http11)
        {
            client.DefaultRequestVersion = System.Net.HttpVersion.Version11;
        }

        return client;
    }

    public static string MpPath(LabTopology lab, string rest) => lab.Document.Roles[0].MutualAuthPath + rest;
}
