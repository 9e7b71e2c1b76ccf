using CmgSim.LoadTests.Engine.Progress;
using CmgSim.LoadTests.Engine.Reporting;

namespace CmgSim.LoadTests.Engine;

/// <summary>
/// Runs scenarios concurrently, samples statistics and gauges once per window, checks thresholds, shows progress and
/// writes reports. Build it fluently and call <see cref="RunAsync"/> once.
/// </summary>
internal sealed class LoadRunner
{
    private readonly List<LoadScenario> _scenarios = [];
    private readonly List<Threshold> _thresholds = [];
    private readonly List<(string Name, Func<CancellationToken, ValueTask<IReadOnlyDictionary<string, double>>> Sample)> _samplers = [];
    private readonly List<(string Name, Func<RunResult, object?> Factory)> _sections = [];
    private readonly List<Uri> _targets = [];
    private ResolveMap _resolve = ResolveMap.Empty;
    private TimeProvider _clock = TimeProvider.System;
    private TimeProvider? _scenarioClock;
    private double? _compression;
    private TimeProvider? _compressedClock;
    private string? _reportFolder;
    private ReportFormats _formats = ReportFormats.All;
    private int _seed;
    private TimeSpan _window = TimeSpan.FromSeconds(1);
    private ProgressMode _progressMode = ProgressMode.Auto;
    private TextWriter? _progressWriter;
    private TimeSpan? _plainInterval;
    private string _title = "CmgSim load run";

    private LoadRunner()
    {
    }

    public static LoadRunner Create() => new();

    /// <summary>The clock scenarios should use for client schedules: the engine clock, or a compressed one (see <see cref="WithTimeCompression"/>).</summary>
    public TimeProvider ScenarioTimeProvider =>
        _scenarioClock ?? (_compression is { } factor ? _compressedClock ??= new CompressedTimeProvider(_clock, factor) : _clock);

    public LoadRunner AddScenario(LoadScenario scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        if (_scenarios.Any(s => s.Name == scenario.Name))
        {
            throw new ArgumentException($"A scenario named '{scenario.Name}' was already added.", nameof(scenario));
        }

        _scenarios.Add(scenario);
        return this;
    }

    public LoadRunner AddScenarios(params LoadScenario[] scenarios)
    {
        foreach (var scenario in scenarios)
        {
            AddScenario(scenario);
        }

        return this;
    }

    /// <summary>Thresholds naming their scenario (thresholds can also be attached with <see cref="LoadScenario.WithThresholds"/>).</summary>
    public LoadRunner WithThresholds(params Threshold[] thresholds)
    {
        foreach (var threshold in thresholds)
        {
            if (threshold.ScenarioName is null)
            {
                throw new ArgumentException($"Threshold '{threshold.Description}' added to the runner must name its scenario.", nameof(thresholds));
            }

            _thresholds.Add(threshold);
        }

        return this;
    }

    public LoadRunner WithReportFolder(string folder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        _reportFolder = folder;
        return this;
    }

    public LoadRunner WithReportFormats(ReportFormats formats)
    {
        _formats = formats;
        return this;
    }

    public LoadRunner WithoutReports() => WithReportFormats(ReportFormats.None);

    /// <summary>The run seed: per-instance <see cref="ScenarioContext.Random"/>, Poisson arrivals and InjectRandom derive from it (default 0).</summary>
    public LoadRunner WithSeed(int seed)
    {
        _seed = seed;
        return this;
    }

    /// <summary>The engine clock (scheduling and statistics); <see cref="TimeProvider.System"/> by default.</summary>
    public LoadRunner WithTimeProvider(TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(clock);
        _clock = clock;
        _compressedClock = null;
        return this;
    }

    /// <summary>Scenarios' <see cref="ScenarioContext.TimeProvider"/> runs <paramref name="factor"/>× faster than the engine clock.</summary>
    public LoadRunner WithTimeCompression(double factor)
    {
        if (!(factor > 0) || double.IsInfinity(factor))
        {
            throw new ArgumentOutOfRangeException(nameof(factor), "must be a positive, finite number.");
        }

        _compression = factor;
        _compressedClock = null;
        _scenarioClock = null;
        return this;
    }

    /// <summary>Any clock for scenarios' client schedules.</summary>
    public LoadRunner WithScenarioTimeProvider(TimeProvider scenarioClock)
    {
        ArgumentNullException.ThrowIfNull(scenarioClock);
        _scenarioClock = scenarioClock;
        return this;
    }

    /// <summary>Length of a time-series window, the live-progress refresh and the runtime threshold checks (default 1 s).</summary>
    public LoadRunner WithWindow(TimeSpan window)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(window, TimeSpan.FromMilliseconds(10));
        _window = window;
        return this;
    }

    /// <summary>Samples named values once per window (for example each CMG VM instance's active connections); charted as one group.</summary>
    public LoadRunner WithGaugeSampler(string name, Func<ValueTask<IReadOnlyDictionary<string, double>>> sampler)
    {
        ArgumentNullException.ThrowIfNull(sampler);
        return WithGaugeSampler(name, _ => sampler());
    }

    /// <summary>As <see cref="WithGaugeSampler(string, Func{ValueTask{IReadOnlyDictionary{string, double}}})"/>; the token is cancelled after one window.</summary>
    public LoadRunner WithGaugeSampler(string name, Func<CancellationToken, ValueTask<IReadOnlyDictionary<string, double>>> sampler)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(sampler);
        if (_samplers.Any(s => s.Name == name))
        {
            throw new ArgumentException($"A gauge sampler named '{name}' was already added.", nameof(name));
        }

        _samplers.Add((name, sampler));
        return this;
    }

    /// <summary>Adds <paramref name="value"/> under <paramref name="name"/> at the top level of report.json (and as a JSON block in report.md).</summary>
    public LoadRunner WithReportSection(string name, object? value) => WithReportSection(name, _ => value);

    /// <summary>Like <see cref="WithReportSection(string, object?)"/>, computed from the result when the reports are written.</summary>
    public LoadRunner WithReportSection(string name, Func<RunResult, object?> factory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(factory);
        if (JsonReport.ReservedNames.Contains(name) || _sections.Any(s => s.Name == name))
        {
            throw new ArgumentException($"Report section name '{name}' is reserved or already used.", nameof(name));
        }

        _sections.Add((name, factory));
        return this;
    }

    /// <summary>Console progress: a Spectre.Console live table on a terminal, periodic plain lines when redirected (Auto), or none.</summary>
    public LoadRunner WithProgress(ProgressMode mode, TextWriter? writer = null, TimeSpan? plainInterval = null)
    {
        _progressMode = mode;
        _progressWriter = writer;
        _plainInterval = plainInterval;
        return this;
    }

    /// <summary>URLs the scenarios will load; each must resolve (after <paramref name="resolve"/>) to 127.0.0.0/8 or ::1, or the run is refused (exit code 2).</summary>
    public LoadRunner WithLoopbackTargets(ResolveMap? resolve, params Uri[] urls)
    {
        _resolve = resolve ?? ResolveMap.Empty;
        _targets.AddRange(urls);
        return this;
    }

    public LoadRunner WithTitle(string title)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(title);
        _title = title;
        return this;
    }

    /// <summary>
    /// Runs the scenarios and returns the result (reports are written before it returns). The run executes on the
    /// thread pool, away from any caller's synchronisation context (a UI or a test framework's), so copies and the
    /// window loop never compete for a context's few threads.
    /// </summary>
    public Task<RunResult> RunAsync(CancellationToken cancellationToken = default) =>
        Task.Run(() => RunCoreAsync(cancellationToken), CancellationToken.None);

    private async Task<RunResult> RunCoreAsync(CancellationToken cancellationToken)
    {
        if (_scenarios.Count == 0)
        {
            throw new InvalidOperationException("Add at least one scenario.");
        }

        var thresholds = _thresholds.Concat(_scenarios.SelectMany(s => s.Thresholds)).ToList();
        foreach (var threshold in thresholds.Where(t => _scenarios.All(s => s.Name != t.ScenarioName)))
        {
            throw new InvalidOperationException($"Threshold '{threshold.Description}' names scenario '{threshold.ScenarioName}', which is not in the run.");
        }

        var startedUtc = _clock.GetUtcNow();
        foreach (var target in _targets)
        {
            if (await LoopbackGuard.CheckAsync(target, _resolve, cancellationToken) is { } refusal)
            {
                return await FinishAsync(Empty(startedUtc, RunOutcome.Refused, ExitCodes.Usage, $"refusing target {target}: {refusal}"));
            }
        }

        var scenarioClock = ScenarioTimeProvider;
        using var abort = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        string? abortReason = null;
        void RequestAbort(string reason)
        {
            Interlocked.CompareExchange(ref abortReason, reason, null);
            try
            {
                abort.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The run is already over.
            }
        }

        var runtimes = _scenarios
            .Select((s, i) => new ScenarioRuntime(s, i, _seed, _clock, scenarioClock, RequestAbort))
            .ToList();
        try
        {
            var initialised = new List<ScenarioRuntime>();
            foreach (var runtime in runtimes)
            {
                if (runtime.Definition.Init is not { } init)
                {
                    initialised.Add(runtime);
                    continue;
                }

                try
                {
                    await init(InitContext(runtime, scenarioClock, abort.Token));
                    initialised.Add(runtime);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    await CleanAsync(initialised, scenarioClock, CancellationToken.None);
                    return await FinishAsync(Empty(startedUtc, RunOutcome.Failed, ExitCodes.Error, $"init of scenario '{runtime.Name}' failed: {ex.GetType().Name}: {ex.Message}"));
                }
                catch (OperationCanceledException)
                {
                    await CleanAsync(initialised, scenarioClock, CancellationToken.None);
                    return await FinishAsync(Empty(startedUtc, RunOutcome.Cancelled, ExitCodes.Cancelled, "cancelled"));
                }
            }

            var progress = ProgressSink.Create(_progressMode, _progressWriter, _plainInterval ?? TimeSpan.FromSeconds(5));
            using var monitor = new WindowMonitor(_clock, _window, _samplers, runtimes, thresholds, RequestAbort, progress);
            progress.Start(_title);
            monitor.Start();
            var failure = default(string);
            try
            {
                await Task.WhenAll(runtimes.Select(r => r.RunAsync(abort.Token)));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Pre-allocated instance init failed, or a bug: end the run as failed, with what was measured.
                failure = $"{ex.GetType().Name}: {ex.Message}";
                abort.Cancel();
            }

            await monitor.StopAsync();
            foreach (var runtime in runtimes)
            {
                await runtime.DisposeInstancesAsync();
            }

            await CleanAsync(runtimes, scenarioClock, CancellationToken.None);

            var (outcome, exitCode, reason) =
                cancellationToken.IsCancellationRequested ? (RunOutcome.Cancelled, ExitCodes.Cancelled, "cancelled")
                : failure is not null ? (RunOutcome.Failed, ExitCodes.Error, failure)
                : abortReason is not null ? (RunOutcome.Aborted, ExitCodes.Aborted, abortReason)
                : monitor.ThresholdResults.Any(t => !t.Passed) ? (RunOutcome.ThresholdsFailed, ExitCodes.ThresholdFailed, "threshold failed")
                : (RunOutcome.Passed, ExitCodes.Passed, (string?)null);

            var result = new RunResult(
                _title,
                startedUtc,
                monitor.ElapsedSeconds,
                _seed,
                _window.TotalSeconds,
                _scenarioClock is null ? _compression : null,
                outcome,
                exitCode,
                reason,
                monitor.ScenarioResults(),
                monitor.ThresholdResults,
                monitor.GaugeSeries);
            result = await FinishAsync(result);
            await progress.CompleteAsync(result);
            return result;
        }
        finally
        {
            foreach (var runtime in runtimes)
            {
                runtime.Dispose();
            }
        }
    }

    private static ScenarioInitContext InitContext(ScenarioRuntime runtime, TimeProvider scenarioClock, CancellationToken cancellationToken) =>
        new(runtime.Name, runtime.Seed, scenarioClock, runtime.Clock, cancellationToken);

    private static async Task CleanAsync(IEnumerable<ScenarioRuntime> runtimes, TimeProvider scenarioClock, CancellationToken cancellationToken)
    {
        foreach (var runtime in runtimes)
        {
            if (runtime.Definition.Clean is not { } clean)
            {
                continue;
            }

            try
            {
                await clean(InitContext(runtime, scenarioClock, cancellationToken));
            }
            catch (Exception ex)
            {
                runtime.Errors.Add($"clean of scenario '{runtime.Name}' failed: {ex.GetType().Name}: {ex.Message}");
            }
        }
    }

    private RunResult Empty(DateTimeOffset startedUtc, RunOutcome outcome, int exitCode, string reason) =>
        new(_title, startedUtc, 0, _seed, _window.TotalSeconds, _compression, outcome, exitCode, reason, [], [], []);

    private async Task<RunResult> FinishAsync(RunResult result)
    {
        if (result.Scenarios.Count == 0 && result.Reason is { } reason && _progressMode != ProgressMode.None)
        {
            await (_progressWriter ?? Console.Error).WriteLineAsync($"error: {reason}");
        }

        var sections = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (name, factory) in _sections)
        {
            sections[name] = factory(result);
        }

        result = result with { ReportSections = sections };
        if (_reportFolder is null || _formats == ReportFormats.None)
        {
            return result;
        }

        var files = await ReportWriter.WriteAsync(result, _reportFolder, _formats);
        return result with { ReportFiles = files };
    }
}
