using System.CommandLine;
using CmgSim.CloudService.Capacity;
using CmgSim.ConnectionPoint;
using CmgSim.Identity.Pki;
using CmgSim.Topology;

namespace CmgSim.Cli.Commands;

/// <summary><c>cmgsim up</c>: runs every role in this process until Ctrl+C or SIGTERM.</summary>
internal static class UpCommand
{
    public static Command Create()
    {
        var labDirectory = CommonOptions.LabDirectory();
        var serviceName = CommonOptions.ServiceName();
        var keyAlgorithm = CommonOptions.KeyAlgorithm();
        var clients = CommonOptions.Clients();
        var siteCode = new Option<string>("--site-code") { Description = "The primary site's code.", DefaultValueFactory = static _ => "PS1" };
        var publicPort = new Option<int>("--public-port") { Description = "The CMG's public HTTPS port on 127.0.0.1 (0 = any free port).", DefaultValueFactory = static _ => 8443 };
        var instances = new Option<int>("--instances") { Description = "VM instances of the cloud service (1-16).", DefaultValueFactory = static _ => 1 };
        var vmSize = new Option<string>("--vm-size") { Description = $"VM size of the instances, which sets the client connections each supports: {VmSizeProfiles.Names}.", DefaultValueFactory = static _ => VmSizeProfiles.DefaultName };
        var overloadMode = new Option<OverloadMode>("--overload-mode") { Description = "Past the supported client connections a VM instance delays every request (Delay, the product's behaviour) or refuses requests on connections past the limit with 503 (Refuse).", DefaultValueFactory = static _ => OverloadMode.Delay };
        var portBudget = new Option<int>("--cp-port-budget") { Description = "Local ports each connection point may hold toward the MP and SUP at once (Windows' default dynamic range: 16384).", DefaultValueFactory = static _ => ConnectionPointOptions.DefaultSiteRolePortBudget };
        var connectionPoints = new Option<int>("--connection-points") { Description = "Connection points of the site.", DefaultValueFactory = static _ => 1 };
        var channels = new Option<int>("--channels-per-instance") { Description = "Channels each connection point keeps to each VM instance.", DefaultValueFactory = static _ => 2 };
        var channelPortBase = new Option<int>("--channel-port-base") { Description = "Channel port of VM instance 1; instance n uses base + n - 1 (0 = free ports).", DefaultValueFactory = static _ => 10124 };
        var noCrlCheck = new Option<bool>("--no-crl-check") { Description = "Turn off \"Verify client certificate revocation\" on the CMG." };
        var entraPort = new Option<int>("--entra-port") { Description = "HTTPS port of the local Microsoft Entra tenant on 127.0.0.1 (0 = any free port).", DefaultValueFactory = static _ => 8444 };
        var noEntra = new Option<bool>("--no-entra") { Description = "Run no Entra tenant and onboard none: Entra tokens are refused." };
        var noSiteTokens = new Option<bool>("--no-site-tokens") { Description = "Accept no site-issued tokens (bulk registration, client and CCM tokens)." };
        var verbose = new Option<bool>("--verbose") { Description = "Debug-level console logging (every forwarded message, URL rewrites)." };
        var up = new Command("up", "Runs the whole CMG traffic path (MP, SUP, VM instances, connection points) on loopback until Ctrl+C or SIGTERM, and writes DIR/topology.json once ready.")
        {
            labDirectory, serviceName, siteCode, publicPort, instances, vmSize, overloadMode, connectionPoints, portBudget, channels, channelPortBase, clients, keyAlgorithm, noCrlCheck, entraPort, noEntra, noSiteTokens, verbose,
        };
        up.SetAction(async (parseResult, cancellationToken) =>
        {
            var options = new TopologyOptions
            {
                LabDirectory = parseResult.GetValue(labDirectory)!.FullName,
                ServiceName = parseResult.GetValue(serviceName)!,
                SiteCode = parseResult.GetValue(siteCode)!,
                PublicPort = parseResult.GetValue(publicPort),
                Instances = parseResult.GetValue(instances),
                VmSize = parseResult.GetValue(vmSize)!,
                OverloadMode = parseResult.GetValue(overloadMode),
                SiteRolePortBudget = parseResult.GetValue(portBudget),
                ConnectionPoints = parseResult.GetValue(connectionPoints),
                ChannelsPerInstance = parseResult.GetValue(channels),
                ChannelPortBase = parseResult.GetValue(channelPortBase),
                ClientCount = parseResult.GetValue(clients),
                KeyAlgorithm = parseResult.GetValue(keyAlgorithm) == KeyAlgorithmChoice.Rsa ? LabKeyAlgorithm.Rsa2048 : LabKeyAlgorithm.EcdsaP256,
                VerifyClientCertificateRevocation = !parseResult.GetValue(noCrlCheck),
                EntraPort = parseResult.GetValue(entraPort),
                EnableEntra = !parseResult.GetValue(noEntra),
                EnableSiteTokens = !parseResult.GetValue(noSiteTokens),
            };
            return await RunAsync(options, parseResult.GetValue(verbose), cancellationToken);
        });
        return up;
    }

    private static async Task<int> RunAsync(TopologyOptions options, bool verbose, CancellationToken cancellationToken)
    {
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            await Console.Error.WriteLineAsync(new TopologyOptionsException(errors).Message);
            return 2;
        }

        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var signals = CliHosting.CancelOnStopSignals(stopping);
        var logsDirectory = Path.Combine(options.LabDirectory, "logs");
        using var loggerFactory = CliHosting.CreateLoggerFactory(logsDirectory, verbose);
        using var tracing = CliHosting.CreateTracerProvider();

        LabTopology topology;
        try
        {
            topology = await LabTopology.StartAsync(options, loggerFactory, TimeProvider.System, stopping.Token);
        }
        catch (OperationCanceledException)
        {
            return 130;
        }
        catch (IOException e) when (e.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException)
        {
            await Console.Error.WriteLineAsync($"A port CmgSim needs is already in use ({e.Message}). Is another 'cmgsim up' running? Pick other ports with --public-port and --channel-port-base.");
            return 1;
        }

        await using (topology)
        {
            var document = topology.Document;
            var mp = document.Roles[0];
            var client = document.Pki.Clients[0];
            Console.WriteLine();
            Console.WriteLine($"CmgSim ready: {document.PublicUrl} (service name {document.ServiceName}, site {document.SiteCode}, {document.Instances.Count} VM instance(s), {document.ConnectionPoints.Count} connection point(s))");
            if (VmSizeProfiles.TryGet(options.VmSize, out var profile))
            {
                Console.WriteLine($"  vm size   {profile.Name} ({profile.AzureSize}): {profile.SupportedConnections} client connections per VM instance; past it: {options.OverloadMode}");
            }

            Console.WriteLine($"  topology  {topology.Layout.TopologyFile}");
            Console.WriteLine($"  logs      {document.LogsDirectory}");
            if (document.Entra is { } entra)
            {
                Console.WriteLine($"  entra     {entra.Authority} (client app {entra.ClientAppId}, resource {entra.AppIdUri})");
            }

            Console.WriteLine($"  try       curl --cacert {document.Pki.RootCaPem} --cert {client.CertPem} --key {client.KeyPem} '{document.PublicUrl}{mp.MutualAuthPath}/SMS_MP/.sms_aut?MPLIST'");
            Console.WriteLine("Press Ctrl+C to stop.");
            try
            {
                await Task.Delay(Timeout.Infinite, stopping.Token);
            }
            catch (OperationCanceledException)
            {
            }

            Console.WriteLine("Stopping…");
        }

        Console.WriteLine("Stopped.");
        return 0;
    }
}
