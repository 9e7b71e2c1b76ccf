using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Xunit.Abstractions;
using CmgSim.Core.Topology;
using CmgSim.Topology.Roles;

namespace CmgSim.FunctionalTests.Roles;

/// <summary>
/// A topology whose roles run as separate <c>cmgsim run &lt;role&gt;</c> processes on loopback, as docker-compose.yml
/// runs them as containers: Entra, SUP, MP, two VM instances sharing the public port, one connection point, and
/// <c>run topology</c> writing topology.json from their registrations.
/// </summary>
public sealed class MultiProcessTopologyTests(ITestOutputHelper output)
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(40);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task RolesAsSeparateProcesses_CarryPkiAndEntraClients_ThenStopCleanlyOnSigterm()
    {
        var lab = TestLab.NewLabDirectory();
        var publicPort = FreePort().ToString(CultureInfo.InvariantCulture);
        var roles = new List<CmgsimProcess>();
        var clock = Stopwatch.StartNew();
        void Phase(string what) => output.WriteLine($"{clock.Elapsed.TotalSeconds,5:F1} s  {what}");
        Phase("start");
        CmgsimProcess Run(string name, params string[] arguments)
        {
            var process = CmgsimProcess.Start(name, ["run", .. arguments, "--lab-dir", lab, "--wait-timeout", "40"]);
            roles.Add(process);
            return process;
        }

        try
        {
            // No 'pki init': the processes create the lab PKI on first use, racing for it; its lock file makes one of
            // them create it and the others load it.
            // Every role on free ports: they find each other through DIR/cluster, in whatever order they start, and
            // 'run topology' writes topology.json once the connection point holds channels to both instances.
            var connectionPoint = Run("connection-point", "connection-point", "--index", "1", "--listen", "127.0.0.1:0", "--instances", "2");
            var instance1 = Run("vm-instance-1", "vm-instance", "--instance", "1", "--public-port", publicPort, "--instance-port", "0", "--channel-port", "0");
            var instance2 = Run("vm-instance-2", "vm-instance", "--instance", "2", "--public-port", publicPort, "--instance-port", "0", "--channel-port", "0");
            var mp = Run("mp", "mp", "--listen", "127.0.0.1:0", "--public-port", publicPort);
            var sup = Run("sup", "sup", "--listen", "127.0.0.1:0");
            var entra = Run("entra", "entra", "--listen", "127.0.0.1:0");
            var topologyWriter = Run("topology", "topology", "--instances", "2", "--once");

            await Task.WhenAll(
                entra.WaitForLineAsync("CmgSim entra ready: https://127.0.0.1:", StartTimeout),
                sup.WaitForLineAsync("CmgSim sup ready: https://127.0.0.1:", StartTimeout),
                mp.WaitForLineAsync("CmgSim mp ready: https://127.0.0.1:", StartTimeout),
                instance1.WaitForLineAsync($"CmgSim vm-instance ready: https://127.0.0.1:{publicPort} (ProxyService_IN_0", StartTimeout),
                instance2.WaitForLineAsync($"CmgSim vm-instance ready: https://127.0.0.1:{publicPort} (ProxyService_IN_1", StartTimeout),
                connectionPoint.WaitForLineAsync("CmgSim connection-point ready: http://127.0.0.1:", StartTimeout),
                topologyWriter.WaitForLineAsync($"CmgSim topology ready: https://127.0.0.1:{publicPort} (", StartTimeout));
            Phase("every role ready, topology.json written");
            Assert.Contains("CMGCP01.contoso.com, channels to 2 VM instance(s)", connectionPoint.Output);
            await topologyWriter.WaitForExitAsync(StopTimeout);
            Assert.True(topologyWriter.ExitCode == 0, topologyWriter.Output);

            var topology = await TopologyDocument.LoadAsync(Path.Combine(lab, "topology.json"));
            Assert.Equal($"https://127.0.0.1:{publicPort}", topology.PublicUrl);
            Assert.Equal(["ProxyService_IN_0", "ProxyService_IN_1"], topology.Instances.Select(static i => i.Name));
            Assert.Equal("standard", topology.VmSize);
            Assert.All(topology.Instances, static i => Assert.EndsWith("/cmgsim/vm-status", i.StatusUrl));
            Assert.Equal("CMGCP01.contoso.com", Assert.Single(topology.ConnectionPoints).Name);
            Assert.NotNull(topology.Entra);
            Assert.NotNull(topology.SiteTokens);
            Assert.Equal(["connection-point-1", "entra", "mp", "sup", "vm-instance-1", "vm-instance-2"], RegistrationIds(lab));

            // A PKI client's whole life through the CMG and, at the same time, an Entra-joined device's.
            var pkiClient = CmgsimProcess.RunAsync(StartTimeout, "client", "run", "--lab-dir", lab);
            var entraClient = CmgsimProcess.RunAsync(StartTimeout, "client", "run", "--lab-dir", lab, "--auth", "entra", "--client", "2");
            var (pkiClientExit, pkiClientOutput) = await pkiClient;
            var (entraExit, entraOutput) = await entraClient;
            Phase("PKI and Entra clients done");
            Assert.True(pkiClientExit == 0, pkiClientOutput + Logs(roles));
            Assert.Matches(@"All \d+ steps succeeded\.", pkiClientOutput);
            Assert.True(entraExit == 0, entraOutput + Logs(roles));
            Assert.Contains("Entra device token", entraOutput);
            Assert.Contains("/CCM_Proxy_ServerAuth/", entraOutput);

            // Each process wrote its own CMTrace files: the instances under the names the site syncs them down with.
            var logs = Path.Combine(lab, "logs");
            Assert.True(File.Exists(Path.Combine(logs, "CMG-GraniteFalls.contoso.com-ProxyService_IN_0-CMGService.log")));
            Assert.True(File.Exists(Path.Combine(logs, "CMG-GraniteFalls.contoso.com-ProxyService_IN_1-CMGService.log")));
            Assert.True(File.Exists(Path.Combine(logs, "CMGCP01-SMS_Cloud_ProxyConnector.log")));
            Assert.True(File.Exists(Path.Combine(logs, "MP_Location.log")));

            // SIGTERM, the connection point first (its channels drain), then the rest together: each stops cleanly,
            // exit code 0, and removes its registration.
            await connectionPoint.TerminateAsync();
            await connectionPoint.WaitForExitAsync(StopTimeout);
            var others = new[] { instance1, instance2, mp, sup, entra };
            await Task.WhenAll(others.Select(static r => r.TerminateAsync()));
            await Task.WhenAll(others.Select(r => r.WaitForExitAsync(StopTimeout)));
            foreach (var role in others.Prepend(connectionPoint))
            {
                Assert.True(role.ExitCode == 0, $"{role.Name} exited with {role.ExitCode}:\n{role.Output}");
                Assert.Contains("Stopped.", role.Output);
            }

            Phase("every role stopped");
            Assert.Empty(RegistrationIds(lab));
        }
        finally
        {
            foreach (var role in roles)
            {
                role.Dispose();
            }

            TryDelete(lab);
        }
    }

    [Fact]
    public async Task RunVmInstance_WithInvalidOptions_ListsEveryProblemAndExits2()
    {
        var (exit, output) = await CmgsimProcess.RunAsync(
            StartTimeout, "run", "vm-instance", "--lab-dir", TestLab.NewLabDirectory(), "--instance", "17", "--public-port", "70000", "--site-code", "TOOLONG", "--bind-address", "nowhere", "--entra-url", "ftp://x");

        Assert.Equal(2, exit);
        Assert.Contains("--instance is 17", output);
        Assert.Contains("--public-port 70000", output);
        Assert.Contains("--site-code 'TOOLONG'", output);
        Assert.Contains("--bind-address 'nowhere'", output);
        Assert.Contains("--entra-url 'ftp://x'", output);
    }

    [Fact]
    public async Task RunConnectionPoint_WithUnparsableOptions_ListsThemAndExits2()
    {
        var (exit, output) = await CmgsimProcess.RunAsync(StartTimeout, "run", "connection-point", "--lab-dir", TestLab.NewLabDirectory(), "--index", "one", "--no-such-option");

        Assert.Equal(2, exit);
        Assert.Contains("'one'", output);
        Assert.Contains("--no-such-option", output);
    }

    [Fact]
    public async Task RunEntra_OnAWildcardAddress_IsRefusedBecauseItsAddressIsTheIssuer()
    {
        var (exit, output) = await CmgsimProcess.RunAsync(StartTimeout, "run", "entra", "--lab-dir", TestLab.NewLabDirectory(), "--bind-address", "0.0.0.0");

        Assert.Equal(2, exit);
        Assert.Contains("issuer", output);
    }

    private static string[] RegistrationIds(string lab)
    {
        var directory = Path.Combine(lab, ClusterRegistry.DirectoryName);
        return Directory.Exists(directory)
            ? Directory.GetFiles(directory, "*.json").Select(static f => Path.GetFileNameWithoutExtension(f)!).Order(StringComparer.Ordinal).ToArray()
            : [];
    }

    private static string Logs(IEnumerable<CmgsimProcess> roles) =>
        string.Concat(roles.Select(static r => $"\n--- {r.Name} ---\n{r.Output}"));

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
