using System.Collections.Concurrent;
using System.CommandLine;
using System.Globalization;
using CmgSim.Client;
using CmgSim.LoadTests.Engine;
using CmgSim.LoadTests.Engine.Reporting;
using Microsoft.Extensions.Logging;

namespace CmgSim.LoadTests.Scenarios;

/// <summary>
/// <c>patch-tuesday</c>: registered clients arrive over a window (an open model: new software updates are
/// published and each client's scan cycle comes around) and each runs the software update flow through the CMG —
/// a WSUS scan against the SUP (GetConfig … SyncUpdates … ReportEventBatch), then its compliance state messages
/// (topic type 500, one per update found) to the MP, which must acknowledge them.
/// </summary>
internal static class PatchTuesdayScenario
{
    public const string Name = "patch-tuesday";
    public const string ScanStep = "wsus scan";
    public const string ComplianceStep = "compliance state messages";

    public static Command Create()
    {
        var common = ScenarioOptions.Create(Name);
        var clients = new Option<int>("--clients") { Description = "Clients that scan, one arrival each; default: the VM size's supported connections × instances." };
        var window = new Option<double>("--window-seconds") { Description = "The clients' arrivals are spread over this window.", DefaultValueFactory = static _ => 20 };
        var poisson = new Option<bool>("--poisson") { Description = "Poisson arrivals (seeded) instead of even spacing." };
        var timeout = new Option<double>("--timeout-seconds") { Description = "Per-request time-out.", DefaultValueFactory = static _ => 30 };
        var command = new Command(Name, "Clients arrive over a window and each runs a WSUS scan against the SUP and sends its compliance state messages to the MP, through the CMG.")
        {
            clients, window, poisson, timeout,
        };
        common.AddTo(command);
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            if (await ScenarioOptions.GetProfileAsync(parseResult.GetValue(common.Profile)) is not { } size)
            {
                return ExitCodes.Usage;
            }

            var settings = new PatchTuesdaySettings
            {
                Profile = size,
                Instances = parseResult.GetValue(common.Instances),
                Clients = parseResult.GetValue(clients) is > 0 and var n ? n : null,
                Window = TimeSpan.FromSeconds(parseResult.GetValue(window)),
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

            var (result, outcome) = await RunAsync(settings, cancellationToken);
            Console.WriteLine($"patch tuesday: {outcome.Clients} clients over {outcome.WindowSeconds:0.#} s; {outcome.ScansCompleted} scans completed ({outcome.UpdatesPerScan} updates each), {outcome.ComplianceAcknowledged} compliance reports acknowledged ({outcome.StateMessagesAcknowledged} state messages), {outcome.FoundInDatabase?.ToString(CultureInfo.InvariantCulture) ?? "(not reachable)"} found in the site database");
            PolicyStormScenario.WriteStep(result, ScanStep);
            PolicyStormScenario.WriteStep(result, ComplianceStep);
            Console.WriteLine($"report: {Path.Combine(settings.ReportFolder, "report.html")}");
            var incomplete = outcome.ComplianceAcknowledged < outcome.Clients || outcome.FoundInDatabase < outcome.ComplianceAcknowledged;
            return result.ExitCode == ExitCodes.Passed && incomplete ? ExitCodes.ThresholdFailed : result.ExitCode;
        });
        return command;
    }

    public static async Task<(RunResult Result, PatchTuesdayOutcome Outcome)> RunAsync(PatchTuesdaySettings settings, CancellationToken cancellationToken)
    {
        using var loggerFactory = LoggerFactory.Create(static b => b.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning));
        await using var topology = await ScenarioTopology.StartOrAttachAsync(settings.AttachTo, settings.Profile, settings.Instances, entra: false, loggerFactory, cancellationToken);

        var clientCount = settings.Clients ?? settings.Profile.SupportedConnections * topology.Document.Instances.Count;
        using var factory = new LoadClientFactory(topology.Document, TimeProvider.System) { SpreadOverInstances = true };
        await using var roster = await ClientRoster.StartAsync(factory, clientCount, settings.Seed, notification: false, TimeProvider.System, cancellationToken);

        var acknowledged = new ConcurrentQueue<string>();
        var scans = 0;
        var reports = 0;
        var stateMessages = 0L;
        var updatesPerScan = 0;
        var scenario = LoadScenario.Create(Name, async ctx =>
        {
            var (_, client) = roster.Next();
            var time = ctx.EngineTimeProvider;
            var wsus = new WsusScanFlow(client.Http, factory.SoftwareUpdatePointUrl, time, new WsusScanFlowOptions
            {
                // WUA's own id, stable per client (its SMSID's GUID), and the name the SUP records.
                ClientId = client.Identity.SmsId!.Replace("GUID:", string.Empty, StringComparison.OrdinalIgnoreCase).ToLowerInvariant(),
                DnsName = client.Identity.HostName.ToLowerInvariant() + ".contoso.com",
                RequestTimeout = settings.RequestTimeout,
            });
            WsusScanResult? result = null;
            var scan = await ctx.Step(ScanStep, async () =>
            {
                try
                {
                    result = await wsus.RunAsync(ctx.CancellationToken);
                }
                catch (Exception ex)
                {
                    return ScenarioFailures.From(ex, ctx.CancellationToken);
                }

                if (result.Succeeded)
                {
                    return StepResult.Ok(200);
                }

                // The chain stops at its first failure; that SOAP call names the error.
                var failed = result.Steps.First(static s => !s.Succeeded);
                return StepResult.Fail(failed.Status ?? 0, failed.Step, failed.Detail);
            });
            if (!scan.IsOk)
            {
                return;
            }

            Interlocked.Increment(ref scans);
            Volatile.Write(ref updatesPerScan, result!.UpdateRevisionIds.Count);

            // As the client does: the scan exposes revision ids, which stand in for the update ids of the topic.
            var compliance = StateMessageBuilder.UpdateCompliance(
                result.UpdateRevisionIds.Select(static id => (id.ToString(CultureInfo.InvariantCulture), UpdateComplianceState.Required)),
                time.GetUtcNow());
            var message = StateMessagePost.Create(client.Identity, [.. compliance], time.GetUtcNow());
            var sent = await ctx.Step(ComplianceStep, () => StateMessagePost.SendAsync(client, factory.ManagementPointUrl, message, time, settings.RequestTimeout, ctx.CancellationToken));
            if (sent.IsOk)
            {
                Interlocked.Increment(ref reports);
                acknowledged.Enqueue(message.MessageId);
                Interlocked.Add(ref stateMessages, message.StateMessages);
            }
        })
        .WithoutWarmUp()
        .WithOpenModelInstances(clientCount)
        .WithLoadSimulations(LoadSimulation.IterationsForInject(clientCount, settings.Window, clientCount));
        if (settings.PoissonArrivals)
        {
            scenario.WithPoissonArrivals(settings.Seed);
        }

        // After the load: the acknowledged reports in the MP's site database, when it is on this machine (in-process, or the attached lab's site.db).
        var siteDatabase = topology.Lab?.Layout.SiteDatabase ?? (settings.AttachTo is { } lab ? Path.Combine(lab, "site.db") : null);
        int? found = null;
        scenario.WithClean(async ctx =>
        {
            if (siteDatabase is not null && File.Exists(siteDatabase))
            {
                var stored = await RelayMessageCheck.ReadStoredAsync(siteDatabase, ctx.CancellationToken);
                found = acknowledged.Count(id => stored.TryGetValue(id, out var rows) && rows > 0);
            }
        });

        PatchTuesdayOutcome Outcome() => new(clientCount, settings.Window.TotalSeconds, Volatile.Read(ref scans), Volatile.Read(ref reports), Interlocked.Read(ref stateMessages), Volatile.Read(ref updatesPerScan), found);
        var run = await LoadRunner.Create()
            .AddScenario(scenario)
            .WithTitle($"patch-tuesday: {clientCount} clients over {settings.Window.TotalSeconds:0.#} s, {settings.Profile.Name} ({settings.Profile.SupportedConnections} per VM), {topology.Document.Instances.Count} VM instance(s)")
            .WithSeed(settings.Seed)
            .WithReportFolder(settings.ReportFolder)
            .WithReportFormats(ReportFormats.All)
            .WithProgress(settings.Progress)
            .WithReportSection("patchTuesday", _ => Outcome())
            .RunAsync(cancellationToken);
        return (run, Outcome());
    }
}

internal sealed record PatchTuesdaySettings : ScenarioSettings
{
    /// <summary>Null: the VM size's supported connections × instances.</summary>
    public int? Clients { get; init; }

    public TimeSpan Window { get; init; } = TimeSpan.FromSeconds(20);

    public bool PoissonArrivals { get; init; }

    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public string? AttachTo { get; init; }

    public string? Validate() =>
        ValidateInstances() is { } error ? error
        : Clients is < 1 ? "--clients must be at least 1."
        : Window <= TimeSpan.Zero ? "--window-seconds must be positive."
        : RequestTimeout <= TimeSpan.Zero ? "--timeout-seconds must be positive."
        : null;
}

/// <param name="ScansCompleted">WSUS scans whose every SOAP call succeeded.</param>
/// <param name="ComplianceAcknowledged">Compliance reports the MP acknowledged (HTTP 200, <c>MessageAcknowledgement Accepted</c>).</param>
/// <param name="UpdatesPerScan">Updates the last completed scan found (one compliance state message each).</param>
/// <param name="FoundInDatabase">Acknowledged compliance reports found in the site database with their state messages; null when it is not reachable.</param>
internal sealed record PatchTuesdayOutcome(int Clients, double WindowSeconds, int ScansCompleted, int ComplianceAcknowledged, long StateMessagesAcknowledged, int UpdatesPerScan, int? FoundInDatabase);
