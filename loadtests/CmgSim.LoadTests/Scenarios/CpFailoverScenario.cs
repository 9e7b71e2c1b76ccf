using System.Collections.Concurrent;
using System.CommandLine;
using CmgSim.Client;
using CmgSim.LoadTests.Engine;
using CmgSim.LoadTests.Engine.Reporting;
using CmgSim.Topology;
using Microsoft.Extensions.Logging;

namespace CmgSim.LoadTests.Scenarios;

/// <summary>
/// <c>cp-failover</c>: registered clients keep sending state messages through a CMG with two (or more) connection
/// points while one connection point is killed mid-run (stopped without draining) and started again. As the product's client does, each client
/// queues its state messages and resends a failed one (same message id) until the MP acknowledges it. Afterwards every
/// acknowledged message is looked up in the MP's site database; one missing fails the run. Needs the in-process
/// topology (it stops and starts the connection point itself), so there is no <c>--topology</c>.
/// </summary>
internal static class CpFailoverScenario
{
    public const string Name = "cp-failover";
    public const string SendStep = "state message";
    public const string ResendStep = "state message resend";

    public static Command Create()
    {
        var common = ScenarioOptions.Create(Name, attachable: false);
        var connectionPoints = new Option<int>("--connection-points") { Description = "Connection points of the site (at least 2, so traffic can fail over).", DefaultValueFactory = static _ => 2 };
        var clients = new Option<int>("--clients") { Description = "Registered clients sending state messages.", DefaultValueFactory = static _ => 8 };
        var interval = new Option<double>("--interval-seconds") { Description = "Each client queues a state message this often and sends its queue.", DefaultValueFactory = static _ => 0.5 };
        var duration = new Option<double>("--duration-seconds") { Description = "Length of the load.", DefaultValueFactory = static _ => 20 };
        var killAfter = new Option<double>("--kill-after-seconds") { Description = "When the connection point is stopped, from the start of the load.", DefaultValueFactory = static _ => 6 };
        var down = new Option<double>("--down-seconds") { Description = "How long it stays down before it is started again.", DefaultValueFactory = static _ => 6 };
        var kill = new Option<int>("--kill") { Description = "Which connection point to stop (0-based).", DefaultValueFactory = static _ => 0 };
        var timeout = new Option<double>("--timeout-seconds") { Description = "Per-request time-out; a timed-out state message is resent.", DefaultValueFactory = static _ => 10 };
        var command = new Command(Name, "Clients send state messages while a connection point is stopped mid-run and restarted; checks that every acknowledged state message is in the MP's site database.")
        {
            connectionPoints, clients, interval, duration, killAfter, down, kill, timeout,
        };
        common.AddTo(command);
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            if (await ScenarioOptions.GetProfileAsync(parseResult.GetValue(common.Profile)) is not { } size)
            {
                return ExitCodes.Usage;
            }

            var settings = new CpFailoverSettings
            {
                Profile = size,
                Instances = parseResult.GetValue(common.Instances),
                ConnectionPoints = parseResult.GetValue(connectionPoints),
                Clients = parseResult.GetValue(clients),
                Interval = TimeSpan.FromSeconds(parseResult.GetValue(interval)),
                Duration = TimeSpan.FromSeconds(parseResult.GetValue(duration)),
                KillAfter = TimeSpan.FromSeconds(parseResult.GetValue(killAfter)),
                DownFor = TimeSpan.FromSeconds(parseResult.GetValue(down)),
                Kill = parseResult.GetValue(kill),
                RequestTimeout = TimeSpan.FromSeconds(parseResult.GetValue(timeout)),
                ReportFolder = parseResult.GetValue(common.Output)!,
                Seed = parseResult.GetValue(common.Seed),
            };
            if (settings.Validate() is { } error)
            {
                return await ScenarioOptions.UsageAsync(error);
            }

            var (result, outcome) = await RunAsync(settings, cancellationToken);
            Console.WriteLine($"connection point {outcome.ConnectionPoint}: stop began at {outcome.KilledAtSeconds:0.0} s, down at {outcome.StoppedAtSeconds:0.0} s, restarted at {outcome.RestartedAtSeconds:0.0} s, channels back at {outcome.RestoredAtSeconds:0.0} s");
            Console.WriteLine($"state messages: {outcome.Sent} sent ({outcome.Attempts} posts, {outcome.FailedPosts} failed, {outcome.FailedPostsDuringOutage} of them during the outage), {outcome.Acknowledged} acknowledged ({outcome.AcknowledgedAfterResend} after a resend, {outcome.AcknowledgedWhileDown} while the connection point was down), {outcome.Pending} still queued");
            Console.WriteLine($"site database: {outcome.FoundInDatabase} of {outcome.Acknowledged} acknowledged state messages found, {outcome.Missing.Count} missing{(outcome.Missing.Count > 0 ? ": " + string.Join(", ", outcome.Missing.Take(10)) : string.Empty)}");
            Console.WriteLine($"report: {Path.Combine(settings.ReportFolder, "report.html")}");
            return result.ExitCode != ExitCodes.Passed ? result.ExitCode : outcome.Passed ? ExitCodes.Passed : ExitCodes.ThresholdFailed;
        });
        return command;
    }

    public static async Task<(RunResult Result, CpFailoverOutcome Outcome)> RunAsync(CpFailoverSettings settings, CancellationToken cancellationToken)
    {
        // The stop's channel and forwarding errors are the point of the run; the report counts them.
        using var loggerFactory = LoggerFactory.Create(static b => b.AddSimpleConsole().SetMinimumLevel(LogLevel.Error));
        await using var topology = await ScenarioTopology.StartOrAttachAsync(
            attachTo: null,
            settings.Profile,
            settings.Instances,
            entra: false,
            loggerFactory,
            cancellationToken,
            options => options.ConnectionPoints = settings.ConnectionPoints);
        var lab = topology.Lab!;
        var connectionPoint = lab.ConnectionPoints[settings.Kill]!.Name;

        using var factory = new LoadClientFactory(topology.Document, TimeProvider.System) { SpreadOverInstances = true };
        var ledger = new FailoverLedger(TimeProvider.System);
        var smsIds = new SmsIdSequence(settings.Seed);

        var scenario = LoadScenario.Create<QueuingClient>(
            Name,
            async ctx => new QueuingClient(await factory.StartAsync(ctx.InstanceNumber, smsIds.Next(), ctx.EngineTimeProvider, notification: false, ctx.CancellationToken)),
            async (ctx, state) =>
            {
                var client = state.Client;
                var now = ctx.EngineTimeProvider.GetUtcNow();
                state.Queue.Enqueue(StateMessagePost.Create(
                    client.Identity,
                    [StateMessageBuilder.StateMessage(client.Identity.SmsId!, ClientLife.GenericStateTopicType, 0, 1, now, ++state.SerialNumber)],
                    now));
                ledger.Queued();

                // Oldest first; after a failure the rest waits for the next cycle, as the client's retry does.
                while (state.Queue.TryPeek(out var message))
                {
                    var resend = message.Attempts++ > 0;
                    var result = await ctx.Step(resend ? ResendStep : SendStep, () => StateMessagePost.SendAsync(
                        client, factory.ManagementPointUrl, message, ctx.EngineTimeProvider, settings.RequestTimeout, ctx.CancellationToken));
                    if (!result.IsOk)
                    {
                        ledger.Failed();
                        break;
                    }

                    state.Queue.Dequeue();
                    ledger.Acknowledged(message);
                }

                ctx.SetGauge("queued state messages", ledger.Pending);
            })
            .WithoutWarmUp()
            .WithPacing(settings.Interval)
            .WithLoadSimulations(LoadSimulation.KeepConstant(settings.Clients, settings.Duration));

        // After the load (the scenario's clean): let the restart finish, then look every acknowledged message up in the site database.
        using var outageStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var outage = Task.CompletedTask;
        CpFailoverOutcome? outcome = null;
        scenario.WithClean(async ctx =>
        {
            try
            {
                await outage.WaitAsync(TimeSpan.FromSeconds(30), ctx.CancellationToken);
            }
            catch (TimeoutException)
            {
                await outageStop.CancelAsync();
            }

            outcome = ledger.Outcome(connectionPoint, await RelayMessageCheck.ReadStoredAsync(lab.Layout.SiteDatabase, ctx.CancellationToken));
        });

        ledger.Start();
        outage = RunOutageAsync(lab, settings, ledger, outageStop.Token);
        var result = await LoadRunner.Create()
            .AddScenario(scenario)
            .WithTitle($"cp-failover: {settings.Clients} clients, {settings.ConnectionPoints} connection points, {connectionPoint} down {settings.KillAfter.TotalSeconds:0.#}–{(settings.KillAfter + settings.DownFor).TotalSeconds:0.#} s")
            .WithSeed(settings.Seed)
            .WithReportFolder(settings.ReportFolder)
            .WithReportFormats(ReportFormats.All)
            .WithProgress(settings.Progress)
            .WithGaugeSampler("connection_point_channels", () =>
            {
                // Channels per connection point as the VM instances see them: the stopped one drops to 0 and comes back.
                var values = new Dictionary<string, double>(StringComparer.OrdinalIgnoreCase);
                foreach (var instance in lab.Instances)
                {
                    foreach (var channels in instance.Channels.ConnectionPoints)
                    {
                        values[channels.Name] = values.GetValueOrDefault(channels.Name) + channels.OpenChannels;
                    }
                }

                return ValueTask.FromResult<IReadOnlyDictionary<string, double>>(values);
            })
            .WithReportSection("failover", _ => outcome)
            .RunAsync(cancellationToken);

        await outageStop.CancelAsync();
        try
        {
            await outage;
        }
        catch (OperationCanceledException)
        {
            // Cut short with the run; the topology is disposed next anyway.
        }

        outcome ??= ledger.Outcome(connectionPoint, await RelayMessageCheck.ReadStoredAsync(lab.Layout.SiteDatabase, cancellationToken));
        return (result, outcome);
    }

    /// <summary>Stops the connection point at its time, starts it again after the down time, and waits for its channels.</summary>
    private static async Task RunOutageAsync(LabTopology lab, CpFailoverSettings settings, FailoverLedger ledger, CancellationToken cancellationToken)
    {
        await Task.Delay(settings.KillAfter, TimeProvider.System, cancellationToken);
        ledger.Mark(OutagePoint.Killed);
        await lab.StopConnectionPointAsync(settings.Kill, kill: true);
        ledger.Mark(OutagePoint.Stopped);
        var restart = settings.KillAfter + settings.DownFor - TimeSpan.FromSeconds(ledger.Elapsed);
        if (restart > TimeSpan.Zero)
        {
            await Task.Delay(restart, TimeProvider.System, cancellationToken);
        }

        ledger.Mark(OutagePoint.Restarted);
        await lab.StartConnectionPointAsync(settings.Kill, cancellationToken);
        await lab.WaitForChannelsAsync(TimeSpan.FromSeconds(30), cancellationToken);
        ledger.Mark(OutagePoint.Restored);
    }

    /// <summary>One closed-model copy: a client and its queue of state messages not yet acknowledged.</summary>
    private sealed class QueuingClient(LoadClient client) : IAsyncDisposable
    {
        public LoadClient Client { get; } = client;

        public Queue<QueuedStateMessage> Queue { get; } = new();

        public long SerialNumber { get; set; }

        public ValueTask DisposeAsync() => Client.DisposeAsync();
    }
}

internal enum OutagePoint
{
    /// <summary>The stop of the connection point began.</summary>
    Killed,

    /// <summary>Its host is gone.</summary>
    Stopped,

    /// <summary>Its start began.</summary>
    Restarted,

    /// <summary>It holds channels to every VM instance again.</summary>
    Restored,
}

/// <summary>What the clients sent and what the MP acknowledged, timed against the outage (seconds from the start of the load).</summary>
internal sealed class FailoverLedger(TimeProvider timeProvider)
{
    private readonly ConcurrentDictionary<string, bool> _acknowledged = new(StringComparer.OrdinalIgnoreCase);

    // When the outage reached each point; NaN until then. Written by the outage task, read by the clients.
    private readonly double[] _outage = [double.NaN, double.NaN, double.NaN, double.NaN];
    private long _start;
    private long _queued;
    private long _attempts;
    private long _failed;
    private long _failedDuringOutage;
    private long _afterResend;
    private long _whileDown;

    public double Elapsed => timeProvider.GetElapsedTime(_start).TotalSeconds;

    public long Pending => Interlocked.Read(ref _queued) - _acknowledged.Count;

    public void Start() => _start = timeProvider.GetTimestamp();

    public void Mark(OutagePoint point) => Volatile.Write(ref _outage[(int)point], Elapsed);

    public void Queued() => Interlocked.Increment(ref _queued);

    public void Failed()
    {
        Interlocked.Increment(ref _attempts);
        Interlocked.Increment(ref _failed);
        var now = Elapsed;
        if (now >= At(OutagePoint.Killed) && !(now > At(OutagePoint.Restored)))
        {
            Interlocked.Increment(ref _failedDuringOutage);
        }
    }

    public void Acknowledged(QueuedStateMessage message)
    {
        Interlocked.Increment(ref _attempts);
        _acknowledged[message.MessageId] = true;
        if (message.Attempts > 1)
        {
            Interlocked.Increment(ref _afterResend);
        }

        // Acknowledged while the stopped connection point's host was gone: another connection point carried it.
        var now = Elapsed;
        if (now >= At(OutagePoint.Stopped) && !(now >= At(OutagePoint.Restarted)))
        {
            Interlocked.Increment(ref _whileDown);
        }
    }

    /// <param name="stored">The site database's relayed posts (message id → state message rows).</param>
    public CpFailoverOutcome Outcome(string connectionPoint, IReadOnlyDictionary<string, int> stored)
    {
        var acknowledged = _acknowledged.Keys.ToArray();
        var missing = acknowledged.Where(id => !stored.TryGetValue(id, out var rows) || rows == 0).Order(StringComparer.Ordinal).ToArray();
        return new CpFailoverOutcome(
            connectionPoint,
            Round(At(OutagePoint.Killed)),
            Round(At(OutagePoint.Stopped)),
            Round(At(OutagePoint.Restarted)),
            Round(At(OutagePoint.Restored)),
            Interlocked.Read(ref _queued),
            Interlocked.Read(ref _attempts),
            Interlocked.Read(ref _failed),
            Interlocked.Read(ref _failedDuringOutage),
            acknowledged.Length,
            Interlocked.Read(ref _afterResend),
            Interlocked.Read(ref _whileDown),
            Pending,
            acknowledged.Length - missing.Length,
            missing);
    }

    private double At(OutagePoint point) => Volatile.Read(ref _outage[(int)point]);

    private static double? Round(double seconds) => double.IsNaN(seconds) ? null : Math.Round(seconds, 2);
}

internal sealed record CpFailoverSettings : ScenarioSettings
{
    public int ConnectionPoints { get; init; } = 2;

    public int Clients { get; init; } = 8;

    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(0.5);

    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(20);

    public TimeSpan KillAfter { get; init; } = TimeSpan.FromSeconds(6);

    public TimeSpan DownFor { get; init; } = TimeSpan.FromSeconds(6);

    /// <summary>The connection point to kill (0-based).</summary>
    public int Kill { get; init; }

    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public string? Validate() =>
        ValidateInstances() is { } error ? error
        : ConnectionPoints < 2 ? "--connection-points must be at least 2: with one, nothing is left to fail over to."
        : Kill < 0 || Kill >= ConnectionPoints ? "--kill must name one of the connection points (0-based)."
        : Clients < 1 ? "--clients must be at least 1."
        : Interval <= TimeSpan.Zero || RequestTimeout <= TimeSpan.Zero ? "--interval-seconds and --timeout-seconds must be positive."
        : KillAfter <= TimeSpan.Zero || DownFor <= TimeSpan.Zero ? "--kill-after-seconds and --down-seconds must be positive."

        // Leave time after the restart for the queued state messages to go out.
        : KillAfter + DownFor + TimeSpan.FromSeconds(2) > Duration ? "--duration-seconds must exceed --kill-after-seconds + --down-seconds by at least 2 s."
        : null;
}

/// <param name="Sent">State messages the clients queued (each sent at least once).</param>
/// <param name="Attempts">Posts, resends included.</param>
/// <param name="FailedPostsDuringOutage">Failed posts from the start of the stop until the connection point's channels were back.</param>
/// <param name="Acknowledged">Distinct state messages the MP acknowledged through the CMG (HTTP 200, <c>MessageAcknowledgement Accepted</c>).</param>
/// <param name="AcknowledgedWhileDown">Acknowledged while the stopped connection point's host was gone: carried by the other one(s).</param>
/// <param name="Pending">Queued at the end, never acknowledged.</param>
/// <param name="FoundInDatabase">Acknowledged messages found in the site database with their state message rows.</param>
internal sealed record CpFailoverOutcome(
    string ConnectionPoint,
    double? KilledAtSeconds,
    double? StoppedAtSeconds,
    double? RestartedAtSeconds,
    double? RestoredAtSeconds,
    long Sent,
    long Attempts,
    long FailedPosts,
    long FailedPostsDuringOutage,
    int Acknowledged,
    long AcknowledgedAfterResend,
    long AcknowledgedWhileDown,
    long Pending,
    int FoundInDatabase,
    IReadOnlyList<string> Missing)
{
    public bool Passed => Acknowledged > 0 && FoundInDatabase == Acknowledged && Missing.Count == 0;
}
