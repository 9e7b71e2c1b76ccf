using System.Collections.Concurrent;
using System.CommandLine;
using System.Net.Http.Json;
using CmgSim.Client.TokenAuthentication;
using CmgSim.CloudService.Capacity;
using CmgSim.Core.Security;
using CmgSim.LoadTests.Engine;
using CmgSim.LoadTests.Engine.Reporting;
using Microsoft.Extensions.Logging;

namespace CmgSim.LoadTests.Scenarios;

/// <summary>
/// <c>vm-limit</c>: ramps concurrent clients — each registered, holding its notification channel and polling
/// for policy over its one connection — past the VM size's supported connections across N VM instances, and
/// reports per instance the knee: the connection count where p95 policy-poll latency leaves its baseline
/// (<c>report.json</c> <c>knees[]</c>). Starts the topology it needs unless <c>--topology</c> names a running one.
/// </summary>
internal static class VmLimitScenario
{
    public const string Name = "vm-limit";
    public const string PollStep = "policy poll";

    public static Command Create()
    {
        var profile = new Option<string>("--profile") { Description = $"VM size: {string.Join(", ", VmSizeProfiles.Names)}.", DefaultValueFactory = static _ => "lab" };
        var instances = new Option<int>("--instances") { Description = "VM instances (1-16).", DefaultValueFactory = static _ => 1 };
        var overshoot = new Option<double>("--overshoot") { Description = "Clients per instance at the end of the ramp, as a multiple of the supported connections.", DefaultValueFactory = static _ => 1.4 };
        var ramp = new Option<int>("--ramp-seconds") { Description = "Ramp duration; default: 2 clients per second per instance for small profiles, scaled for large ones." };
        var hold = new Option<int>("--hold-seconds") { Description = "Time at the top of the ramp.", DefaultValueFactory = static _ => 5 };
        var poll = new Option<double>("--poll-seconds") { Description = "Each client's policy poll interval (pacing).", DefaultValueFactory = static _ => 1.0 };
        var topology = new Option<string?>("--topology") { Description = "Attach to the running topology in this lab folder instead of starting one." };
        var output = new Option<string>("--out") { Description = "Report folder (report.json holds knees[]).", DefaultValueFactory = static _ => Path.Combine(Environment.CurrentDirectory, "vm-limit-report") };
        var seed = new Option<int>("--seed") { Description = "Seed of the run (SMSIDs, jitter).", DefaultValueFactory = static _ => 1 };
        var publicPort = new Option<bool>("--through-public-port") { Description = "Let the kernel spread clients over the VM instances through the shared public port (uneven shares) instead of round-robin over their own listeners." };
        var margin = new Option<double>("--knee-margin-ms") { Description = "How far above its baseline p95 must rise (at least) to count as the knee.", DefaultValueFactory = static _ => 25 };
        var auth = LoadClientOptions.Auth();
        var bulkToken = LoadClientOptions.BulkToken();
        var sourceAddresses = LoadClientOptions.SourceAddresses();
        var command = new Command(Name, "Find the per-VM client connection limit: ramp clients past the profile's supported connections and report the knee per VM instance.")
        {
            profile, instances, overshoot, ramp, hold, poll, topology, output, seed, margin, publicPort, auth, bulkToken, sourceAddresses,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            if (!VmSizeProfiles.TryGet(parseResult.GetValue(profile)!, out var size))
            {
                await Console.Error.WriteLineAsync($"--profile must be one of {string.Join(", ", VmSizeProfiles.Names)}.");
                return ExitCodes.Usage;
            }

            var settings = new VmLimitSettings
            {
                Profile = size,
                Instances = parseResult.GetValue(instances),
                Overshoot = parseResult.GetValue(overshoot),
                Ramp = parseResult.GetValue(ramp) is > 0 and var seconds ? TimeSpan.FromSeconds(seconds) : null,
                Hold = TimeSpan.FromSeconds(parseResult.GetValue(hold)),
                PollInterval = TimeSpan.FromSeconds(parseResult.GetValue(poll)),
                AttachTo = parseResult.GetValue(topology),
                ReportFolder = parseResult.GetValue(output)!,
                Seed = parseResult.GetValue(seed),
                KneeMarginMs = parseResult.GetValue(margin),
                ThroughPublicPort = parseResult.GetValue(publicPort),
                Auth = parseResult.GetValue(auth),
                BulkToken = parseResult.GetValue(bulkToken),
                SourceAddresses = parseResult.GetValue(sourceAddresses),
            };
            var (result, knees) = await RunAsync(settings, cancellationToken);
            foreach (var knee in knees)
            {
                Console.WriteLine($"knee {knee.Instance}: {knee.Connections} connections (supported {size.SupportedConnections}; p95 {knee.BaselineP95Ms} ms → {knee.KneeP95Ms} ms; max {knee.MaxConnections} connections, {knee.Samples} samples)");
            }

            Console.WriteLine($"report: {Path.Combine(settings.ReportFolder, "report.json")}");
            return knees.Count == 0 && result.ExitCode == ExitCodes.Passed ? ExitCodes.ThresholdFailed : result.ExitCode;
        });
        return command;
    }

    public static async Task<(RunResult Result, IReadOnlyList<Knee> Knees)> RunAsync(VmLimitSettings settings, CancellationToken cancellationToken)
    {
        var supported = settings.Profile.SupportedConnections;
        var clients = (int)Math.Ceiling(supported * settings.Overshoot * settings.Instances);
        var ramp = settings.Ramp ?? TimeSpan.FromSeconds(Math.Max(10, clients / (2.0 * settings.Instances) / Math.Max(1, supported / 100.0)));
        using var loggerFactory = LoggerFactory.Create(static b => b.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning));
        await using var topology = await ScenarioTopology.StartOrAttachAsync(settings.AttachTo, settings.Profile, settings.Instances, entra: settings.Auth == ClientAuthMethod.Entra, loggerFactory, cancellationToken);

        using var factory = new LoadClientFactory(topology.Document, TimeProvider.System)
        {
            SpreadOverInstances = !settings.ThroughPublicPort,
            Auth = settings.Auth,
            BulkToken = settings.BulkToken,
            LabDirectory = settings.AttachTo ?? topology.Lab?.Layout.Root,
            SourceAddresses = settings.SourceAddresses,
        };
        var perInstance = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var samples = new ConcurrentQueue<KneeSample>();
        var smsIds = new SmsIdSequence(settings.Seed);

        var scenario = LoadScenario.Create<LoadClient>(
            Name,
            async ctx =>
            {
                var client = await factory.StartAsync(ctx.InstanceNumber, smsIds.Next(), ctx.EngineTimeProvider, notification: true, ctx.CancellationToken);

                if (client.VmInstance is { } instance)
                {
                    perInstance.AddOrUpdate(instance, 1, static (_, n) => n + 1);
                }

                return client;
            },
            async (ctx, client) =>
            {
                await ctx.Step(PollStep, async () =>
                {
                    var started = ctx.EngineTimeProvider.GetTimestamp();
                    await client.Policy.PollAssignmentsAsync(client.Identity, ctx.CancellationToken);
                    var elapsed = ctx.EngineTimeProvider.GetElapsedTime(started);
                    if (!ctx.IsWarmUp && client.VmInstance is { } instance)
                    {
                        // Latency from the scheduled start (pacing), so a delayed instance cannot hide behind a slow loop.
                        samples.Enqueue(new KneeSample(instance, client.VmConnections, (elapsed + ctx.StartDelay).TotalMilliseconds));
                    }

                    return StepResult.Ok(200);
                });
            })
            .WithoutWarmUp()
            .WithPacing(settings.PollInterval)
            .WithLoadSimulations(
                LoadSimulation.RampingConstant(clients, ramp),
                LoadSimulation.KeepConstant(clients, settings.Hold));

        using var status = new HttpClient(new SocketsHttpHandler { SslOptions = LabServerCertificateValidation.CreateClientOptions(null, [System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(File.ReadAllText(topology.Document.Pki.RootCaPem))]) }) { Timeout = TimeSpan.FromSeconds(5) };
        var statusUrls = topology.Document.Instances.Where(static i => i.StatusUrl is not null).Select(static i => (i.Name, Url: new Uri(i.StatusUrl!))).ToArray();
        var detector = new KneeDetector { BucketWidth = Math.Max(1, supported / 100), MarginMs = settings.KneeMarginMs };
        IReadOnlyList<Knee> knees = [];
        var runner = LoadRunner.Create()
            .AddScenario(scenario)
            .WithTitle($"vm-limit: {settings.Profile.Name} ({supported} per VM), {topology.Document.Instances.Count} VM instance(s), {clients} clients")
            .WithSeed(settings.Seed)
            .WithReportFolder(settings.ReportFolder)
            .WithReportFormats(ReportFormats.All)
            .WithGaugeSampler("vm_instances", async ct =>
            {
                var values = new Dictionary<string, double>(StringComparer.Ordinal);
                foreach (var (name, url) in statusUrls)
                {
                    var state = await status.GetFromJsonAsync<VmInstanceStatus>(url, ct);
                    if (state is not null)
                    {
                        values[name + " connections"] = state.ActiveConnections;
                        values[name + " added delay ms"] = state.AddedDelayMs;
                    }
                }

                return values;
            })
            .WithReportSection("profile", new { name = settings.Profile.Name, azureSize = settings.Profile.AzureSize, supportedConnections = supported, instances = topology.Document.Instances.Count, clients, rampSeconds = ramp.TotalSeconds, pollSeconds = settings.PollInterval.TotalSeconds })
            .WithReportSection("knees", _ => knees = detector.Find(samples))
            .WithReportSection("latencyByConnections", _ => detector.Curves(samples));
        var result = await runner.RunAsync(cancellationToken);
        return (result, knees);
    }
}

internal sealed record VmLimitSettings
{
    public required VmSizeProfile Profile { get; init; }

    public int Instances { get; init; } = 1;

    public double Overshoot { get; init; } = 1.4;

    public TimeSpan? Ramp { get; init; }

    public TimeSpan Hold { get; init; } = TimeSpan.FromSeconds(5);

    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    public string? AttachTo { get; init; }

    public required string ReportFolder { get; init; }

    public int Seed { get; init; } = 1;

    /// <summary>How far above its baseline p95 must rise (at least) to count as the knee; above the machine's noise.</summary>
    public double KneeMarginMs { get; init; } = 25;

    /// <summary>
    /// Connect through the shared public port and let the kernel spread clients (as Azure's load balancer does),
    /// instead of round-robin over the VM instances' own listeners, which gives every instance an even share.
    /// </summary>
    public bool ThroughPublicPort { get; init; }

    /// <summary>How the clients authenticate (<see cref="LoadClientFactory.Auth"/>).</summary>
    public ClientAuthMethod Auth { get; init; } = ClientAuthMethod.Pki;

    /// <summary>With <see cref="ClientAuthMethod.Token"/>: the bulk registration token; default a new one from the lab.</summary>
    public string? BulkToken { get; init; }

    /// <summary>Loopback source addresses the clients spread over (<see cref="LoadClientFactory.SourceAddresses"/>).</summary>
    public int SourceAddresses { get; init; } = 1;
}
