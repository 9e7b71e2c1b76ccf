using System.CommandLine;
using CmgSim.Client;
using CmgSim.LoadTests.Engine;
using CmgSim.LoadTests.Engine.Reporting;
using Microsoft.Extensions.Logging;

namespace CmgSim.LoadTests.Scenarios;

/// <summary>
/// <c>policy-storm</c>: N registered clients, each holding its notification channel, all ask for policy at once — as
/// after a new deployment or a "download computer policy" notification: each does a policy assignment poll
/// (<c>RequestAssignments</c>) and downloads every policy body it is assigned (secret ones decrypted). Each wave
/// brings every client once, spread evenly (or as a Poisson process) over a few seconds; waves can repeat.
/// </summary>
internal static class PolicyStormScenario
{
    public const string Name = "policy-storm";
    public const string AssignmentsStep = "policy assignments";
    public const string BodyStep = "policy body";

    public static Command Create()
    {
        var common = ScenarioOptions.Create(Name);
        var clients = new Option<int>("--clients") { Description = "Registered clients, each holding its notification channel; default: the VM size's supported connections × instances." };
        var waves = new Option<int>("--waves") { Description = "How many times every client asks for policy.", DefaultValueFactory = static _ => 1 };
        var spread = new Option<double>("--spread-seconds") { Description = "Each wave's requests arrive over this window (the clients' randomised start).", DefaultValueFactory = static _ => 2 };
        var interval = new Option<double>("--wave-interval-seconds") { Description = "From one wave's start to the next (more than --spread-seconds).", DefaultValueFactory = static _ => 15 };
        var poisson = new Option<bool>("--poisson") { Description = "Poisson arrivals (seeded) instead of even spacing within a wave." };
        var timeout = new Option<double>("--timeout-seconds") { Description = "Time-out of one client's policy cycle.", DefaultValueFactory = static _ => 30 };
        var command = new Command(Name, "Every registered client (notification channel held) polls its policy assignments and downloads its policy bodies at once; latency and errors per step.")
        {
            clients, waves, spread, interval, poisson, timeout,
        };
        common.AddTo(command);
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            if (await ScenarioOptions.GetProfileAsync(parseResult.GetValue(common.Profile)) is not { } size)
            {
                return ExitCodes.Usage;
            }

            var settings = new PolicyStormSettings
            {
                Profile = size,
                Instances = parseResult.GetValue(common.Instances),
                Clients = parseResult.GetValue(clients) is > 0 and var n ? n : null,
                Waves = parseResult.GetValue(waves),
                Spread = TimeSpan.FromSeconds(parseResult.GetValue(spread)),
                WaveInterval = TimeSpan.FromSeconds(parseResult.GetValue(interval)),
                PoissonArrivals = parseResult.GetValue(poisson),
                RequestTimeout = TimeSpan.FromSeconds(parseResult.GetValue(timeout)),
                AttachTo = parseResult.GetValue(common.Topology!),
                ReportFolder = parseResult.GetValue(common.Output)!,
                Seed = parseResult.GetValue(common.Seed),
            };
            if (settings.Validate() is { } error)
            {
                return await ScenarioOptions.UsageAsync(error);
            }

            var (result, storm) = await RunAsync(settings, cancellationToken);
            Console.WriteLine($"policy storm: {storm.Clients} clients × {storm.Waves} wave(s) over {storm.SpreadSeconds:0.#} s; {storm.ClientsWithPolicy}/{storm.Clients} clients got all their policy ({storm.MinPolicies}-{storm.MaxPolicies} policies each; registration {storm.RegistrationSeconds:0.#} s)");
            WriteStep(result, AssignmentsStep);
            WriteStep(result, BodyStep);
            Console.WriteLine($"report: {Path.Combine(settings.ReportFolder, "report.html")}");
            return result.ExitCode == ExitCodes.Passed && storm.ClientsWithPolicy < storm.Clients ? ExitCodes.ThresholdFailed : result.ExitCode;
        });
        return command;
    }

    public static async Task<(RunResult Result, PolicyStormOutcome Outcome)> RunAsync(PolicyStormSettings settings, CancellationToken cancellationToken)
    {
        using var loggerFactory = LoggerFactory.Create(static b => b.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning));
        await using var topology = await ScenarioTopology.StartOrAttachAsync(settings.AttachTo, settings.Profile, settings.Instances, entra: false, loggerFactory, cancellationToken);

        var clientCount = settings.Clients ?? settings.Profile.SupportedConnections * topology.Document.Instances.Count;
        using var factory = new LoadClientFactory(topology.Document, TimeProvider.System) { SpreadOverInstances = true };
        var registering = TimeProvider.System.GetTimestamp();
        await using var roster = await ClientRoster.StartAsync(factory, clientCount, settings.Seed, notification: true, TimeProvider.System, cancellationToken);
        var registrationSeconds = TimeProvider.System.GetElapsedTime(registering).TotalSeconds;

        // Complete policy cycles per client, and how many policies each was assigned.
        var cycles = new int[clientCount];
        var assigned = new int[clientCount];
        var scenario = LoadScenario.Create(Name, async ctx =>
        {
            var (number, client) = roster.Next();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ctx.CancellationToken);
            timeout.CancelAfter(settings.RequestTimeout);
            IReadOnlyList<PolicyAssignment> assignments = [];
            var poll = await ctx.Step(AssignmentsStep, async () =>
            {
                try
                {
                    assignments = await client.Policy.GetAssignmentsAsync(client.Identity, timeout.Token);
                    return StepResult.Ok(200);
                }
                catch (Exception ex)
                {
                    return ScenarioFailures.From(ex, ctx.CancellationToken);
                }
            });
            if (!poll.IsOk)
            {
                return;
            }

            var complete = true;
            foreach (var assignment in assignments)
            {
                var body = await ctx.Step(BodyStep, async () =>
                {
                    try
                    {
                        await client.Policy.DownloadPolicyAsync(client.Identity, assignment, timeout.Token);
                        return StepResult.Ok(200);
                    }
                    catch (Exception ex)
                    {
                        return ScenarioFailures.From(ex, ctx.CancellationToken);
                    }
                });
                complete &= body.IsOk;
            }

            if (complete)
            {
                Interlocked.Increment(ref cycles[number]);
                Volatile.Write(ref assigned[number], assignments.Count);
            }
        })
        .WithoutWarmUp()
        .WithOpenModelInstances(clientCount)
        .WithLoadSimulations(Waves(clientCount, settings));
        if (settings.PoissonArrivals)
        {
            scenario.WithPoissonArrivals(settings.Seed);
        }

        PolicyStormOutcome Outcome()
        {
            var completed = assigned.Where((_, i) => Volatile.Read(ref cycles[i]) > 0).ToArray();
            return new(
                clientCount,
                settings.Waves,
                settings.Spread.TotalSeconds,
                completed.Length,
                cycles.Sum(),
                completed.DefaultIfEmpty().Min(),
                completed.DefaultIfEmpty().Max(),
                Math.Round(registrationSeconds, 2));
        }

        var result = await LoadRunner.Create()
            .AddScenario(scenario)
            .WithTitle($"policy-storm: {clientCount} clients, {settings.Waves} wave(s), {settings.Profile.Name} ({settings.Profile.SupportedConnections} per VM), {topology.Document.Instances.Count} VM instance(s)")
            .WithSeed(settings.Seed)
            .WithReportFolder(settings.ReportFolder)
            .WithReportFormats(ReportFormats.All)
            .WithProgress(settings.Progress)
            .WithReportSection("storm", _ => Outcome())
            .RunAsync(cancellationToken);
        return (result, Outcome());
    }

    internal static void WriteStep(RunResult result, string step)
    {
        if (result.Scenarios.Count > 0 && result.Scenarios[0].GetStep(step) is { } stats)
        {
            Console.WriteLine($"  {step}: {stats.OkCount} ok, {stats.FailCount} failed; latency p50 {stats.Latency.P50Ms:0.#} ms, p95 {stats.Latency.P95Ms:0.#} ms, p99 {stats.Latency.P99Ms:0.#} ms, max {stats.Latency.MaxMs:0.#} ms");
        }
    }

    /// <summary>Each wave: every client once, evenly over the spread window; then a pause until the next wave starts.</summary>
    private static LoadSimulation[] Waves(int clients, PolicyStormSettings settings)
    {
        var phases = new List<LoadSimulation>();
        for (var wave = 0; wave < settings.Waves; wave++)
        {
            phases.Add(LoadSimulation.Inject(clients, settings.Spread, settings.Spread));
            if (wave < settings.Waves - 1)
            {
                phases.Add(LoadSimulation.Pause(settings.WaveInterval - settings.Spread));
            }
        }

        return [.. phases];
    }
}

internal sealed record PolicyStormSettings : ScenarioSettings
{
    /// <summary>Null: the VM size's supported connections × instances (a CMG filled to its supported size).</summary>
    public int? Clients { get; init; }

    public int Waves { get; init; } = 1;

    public TimeSpan Spread { get; init; } = TimeSpan.FromSeconds(2);

    public TimeSpan WaveInterval { get; init; } = TimeSpan.FromSeconds(15);

    public bool PoissonArrivals { get; init; }

    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public string? AttachTo { get; init; }

    public string? Validate() =>
        ValidateInstances() is { } error ? error
        : Clients is < 1 ? "--clients must be at least 1."
        : Waves < 1 ? "--waves must be at least 1."
        : Spread <= TimeSpan.Zero ? "--spread-seconds must be positive."
        : Waves > 1 && WaveInterval <= Spread ? "--wave-interval-seconds must be longer than --spread-seconds."
        : RequestTimeout <= TimeSpan.Zero ? "--timeout-seconds must be positive."
        : null;
}

/// <param name="ClientsWithPolicy">Clients that completed at least one policy cycle (assignments and every body).</param>
/// <param name="PolicyCycles">Complete policy cycles over all clients and waves.</param>
/// <param name="MinPolicies">Fewest policies assigned to a client that completed a cycle.</param>
/// <param name="MaxPolicies">Most policies assigned to a client that completed a cycle.</param>
internal sealed record PolicyStormOutcome(int Clients, int Waves, double SpreadSeconds, int ClientsWithPolicy, int PolicyCycles, int MinPolicies, int MaxPolicies, double RegistrationSeconds);
