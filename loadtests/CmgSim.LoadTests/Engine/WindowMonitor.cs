using CmgSim.LoadTests.Engine.Progress;

namespace CmgSim.LoadTests.Engine;

/// <summary>
/// The runner's once-per-window loop: swaps every step's interval histograms out (building the time series and the
/// run totals), samples gauges, enforces max fail counts, checks thresholds and feeds the progress display. It is
/// the only reader of the recorders, so the recording path needs no locks.
/// </summary>
internal sealed class WindowMonitor : IDisposable
{
    private readonly TimeProvider _clock;
    private readonly TimeSpan _window;
    private readonly IReadOnlyList<(string Name, Func<CancellationToken, ValueTask<IReadOnlyDictionary<string, double>>> Sample)> _samplers;
    private readonly IReadOnlyList<ScenarioRuntime> _runtimes;
    private readonly Action<string> _requestAbort;
    private readonly IProgressSink _progress;
    private readonly List<ThresholdState> _thresholds;
    private readonly Dictionary<string, GaugeGroup> _gauges = new(StringComparer.Ordinal);
    private readonly List<string> _gaugeOrder = [];
    private readonly ScenarioSeries[] _series;
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;
    private long _start;
    private long _lastWindowEnd;
    private List<ThresholdResult>? _thresholdResults;

    public WindowMonitor(
        TimeProvider clock,
        TimeSpan window,
        IReadOnlyList<(string Name, Func<CancellationToken, ValueTask<IReadOnlyDictionary<string, double>>> Sample)> samplers,
        IReadOnlyList<ScenarioRuntime> runtimes,
        IReadOnlyList<Threshold> thresholds,
        Action<string> requestAbort,
        IProgressSink progress)
    {
        _clock = clock;
        _window = window;
        _samplers = samplers;
        _runtimes = runtimes;
        _requestAbort = requestAbort;
        _progress = progress;
        _thresholds = [.. thresholds.Select(t => new ThresholdState(t, runtimes.First(r => r.Name == t.ScenarioName)))];
        _series = [.. runtimes.Select(_ => new ScenarioSeries())];
        foreach (var (name, _) in samplers)
        {
            Group(name);
        }
    }

    public double ElapsedSeconds => _clock.GetElapsedTime(_start, _lastWindowEnd).TotalSeconds;

    public IReadOnlyList<ThresholdResult> ThresholdResults => _thresholdResults ?? [];

    public IReadOnlyList<GaugeSeries> GaugeSeries =>
        [.. _gaugeOrder.Select(name => new GaugeSeries(name, _gauges[name].Points, _gauges[name].Failed))];

    public void Start()
    {
        _start = _lastWindowEnd = _clock.GetTimestamp();
        _loop = LoopAsync(_stop.Token);
    }

    /// <summary>Stops the loop, takes the final (partial) window and makes the final threshold checks.</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        await TakeWindowAsync(final: true);
        _thresholdResults = [.. _thresholds.Select(FinalCheck)];
    }

    public void Dispose() => _stop.Dispose();

    public IReadOnlyList<ScenarioResult> ScenarioResults()
    {
        var now = _clock.GetTimestamp();
        return
        [
            .. _runtimes.Select((runtime, i) =>
            {
                var duration = runtime.MeasuredSeconds(now);
                var steps = runtime.StepsInOrder();
                return new ScenarioResult(
                    runtime.Name,
                    runtime.Definition.WarmUpDuration.TotalSeconds,
                    [.. runtime.Definition.Simulations.Select(s => s.Describe())],
                    duration,
                    runtime.LateStarts,
                    runtime.Dropped,
                    runtime.Interrupted,
                    runtime.WarmUpInvocations,
                    runtime.Abandoned,
                    runtime.Iteration.Snapshot(runtime.Name, duration),
                    [.. steps.Select(s => s.Snapshot(runtime.Name, duration))],
                    _series[i].Iteration,
                    steps.ToDictionary(s => s.Name, s => (IReadOnlyList<WindowPoint>)_series[i].Steps.GetValueOrDefault(s.Name, []), StringComparer.Ordinal),
                    [.. runtime.Errors]);
            }),
        ];
    }

    private async Task LoopAsync(CancellationToken stop)
    {
        var windowTicks = (long)(_window.TotalSeconds * _clock.TimestampFrequency);
        var next = _start + windowTicks;
        while (true)
        {
            var remaining = next - _clock.GetTimestamp();
            try
            {
                if (remaining > 0)
                {
                    await Task.Delay(TimeSpan.FromSeconds((double)remaining / _clock.TimestampFrequency), _clock, stop);
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }

            if (stop.IsCancellationRequested)
            {
                return;
            }

            await TakeWindowAsync(final: false);
            var now = _clock.GetTimestamp();
            next += windowTicks;
            while (next <= now)
            {
                next += windowTicks;
            }
        }
    }

    private async Task TakeWindowAsync(bool final)
    {
        var now = _clock.GetTimestamp();
        var windowStart = _lastWindowEnd;
        _lastWindowEnd = now;
        var t = _clock.GetElapsedTime(_start, now).TotalSeconds;
        var seconds = _clock.GetElapsedTime(windowStart, now).TotalSeconds;
        var gauges = SampleGaugesAsync(t);

        var rows = new List<ProgressRow>(_runtimes.Count);
        for (var i = 0; i < _runtimes.Count; i++)
        {
            var runtime = _runtimes[i];
            var copies = runtime.CurrentCopies;
            var include = runtime.HasMeasuredStart && now > runtime.MeasuredStart
                && (!runtime.HasFinished || runtime.FinishedAt > windowStart);
            var iteration = runtime.Iteration.TakeWindow();
            if (include)
            {
                _series[i].Iteration.Add(Point(t, seconds, iteration, copies));
            }

            foreach (var step in runtime.StepsInOrder())
            {
                var sample = step.TakeWindow();
                if (include)
                {
                    if (!_series[i].Steps.TryGetValue(step.Name, out var points))
                    {
                        _series[i].Steps[step.Name] = points = [];
                    }

                    points.Add(Point(t, seconds, sample, copies));
                }
            }

            if (!runtime.Gauges.IsEmpty)
            {
                Group(runtime.Name).Points.Add(new GaugePoint(Math.Round(t, 3), runtime.Gauges.Sample()));
            }

            if (runtime.Definition.MaxFailCount is { } max && runtime.Iteration.TotalFailCount > max)
            {
                _requestAbort($"scenario '{runtime.Name}' exceeded its max fail count ({runtime.Iteration.TotalFailCount} > {max})");
            }

            rows.Add(new ProgressRow(
                runtime.Name,
                runtime.Phase,
                copies,
                seconds > 0 ? (iteration.Ok + iteration.Fail) / seconds : 0,
                runtime.Iteration.TotalOkCount,
                runtime.Iteration.TotalFailCount,
                iteration.P50Ms,
                iteration.P95Ms,
                iteration.P99Ms,
                runtime.LateStarts,
                runtime.Dropped,
                runtime.WarmUpInvocations));
        }

        await gauges;
        if (!final)
        {
            RuntimeChecks(now);
        }

        _progress.Update(new ProgressSnapshot(t, rows));
    }

    private static WindowPoint Point(double t, double seconds, WindowSample sample, int copies) => new(
        Math.Round(t, 3),
        Math.Round(seconds, 3),
        sample.Ok,
        sample.Fail,
        seconds > 0 ? (sample.Ok + sample.Fail) / seconds : 0,
        sample.P50Ms,
        sample.P95Ms,
        sample.P99Ms,
        sample.ServiceP50Ms,
        sample.ServiceP99Ms,
        copies);

    private async Task SampleGaugesAsync(double t)
    {
        if (_samplers.Count == 0)
        {
            return;
        }

        var timeout = _window < TimeSpan.FromMilliseconds(200) ? TimeSpan.FromMilliseconds(200) : _window;
        var samples = await Task.WhenAll(_samplers.Select(s => SampleAsync(s.Sample, timeout)));
        for (var i = 0; i < _samplers.Count; i++)
        {
            var group = Group(_samplers[i].Name);
            if (samples[i] is { } values)
            {
                group.Points.Add(new GaugePoint(Math.Round(t, 3), new SortedDictionary<string, double>(values.ToDictionary(), StringComparer.Ordinal)));
            }
            else
            {
                group.Failed++;
            }
        }
    }

    private async Task<IReadOnlyDictionary<string, double>?> SampleAsync(
        Func<CancellationToken, ValueTask<IReadOnlyDictionary<string, double>>> sampler,
        TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout, _clock);
        try
        {
            return await sampler(cts.Token).AsTask().WaitAsync(timeout, _clock);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return null;
        }
    }

    private GaugeGroup Group(string name)
    {
        if (!_gauges.TryGetValue(name, out var group))
        {
            _gauges[name] = group = new GaugeGroup();
            _gaugeOrder.Add(name);
        }

        return group;
    }

    private void RuntimeChecks(long now)
    {
        var cache = new Dictionary<(int, string?), StepStats>();
        foreach (var state in _thresholds)
        {
            var runtime = state.Runtime;
            if (!runtime.HasMeasuredStart || runtime.Phase == ScenarioPhase.Finished
                || _clock.GetElapsedTime(runtime.MeasuredStart, now) < state.Threshold.StartCheckAfter)
            {
                continue;
            }

            var key = (runtime.Index, state.Threshold.StepName);
            if (!cache.TryGetValue(key, out var stats))
            {
                cache[key] = stats = Stats(runtime, state.Threshold.StepName, runtime.MeasuredSeconds(now));
            }

            state.Checks++;
            if (Evaluate(state, stats))
            {
                continue;
            }

            state.FailedChecks++;
            state.FirstFailureSeconds ??= Math.Round(_clock.GetElapsedTime(_start, now).TotalSeconds, 3);
            if (state.Threshold.AbortWhenFailed && !state.AbortedRun)
            {
                state.AbortedRun = true;
                _requestAbort($"threshold '{state.Threshold.Description}' on {state.Threshold.Target} failed");
            }
        }
    }

    private ThresholdResult FinalCheck(ThresholdState state)
    {
        var runtime = state.Runtime;
        var stats = Stats(runtime, state.Threshold.StepName, runtime.MeasuredSeconds(_clock.GetTimestamp()));
        var passed = Evaluate(state, stats) && !state.AbortedRun;
        return new ThresholdResult(
            runtime.Name,
            state.Threshold.StepName ?? StepStats.IterationStepName,
            state.Threshold.Description,
            state.Threshold.AbortWhenFailed,
            passed,
            state.Checks,
            state.FailedChecks,
            state.FirstFailureSeconds,
            state.AbortedRun,
            state.Error);
    }

    private static StepStats Stats(ScenarioRuntime runtime, string? step, double duration)
    {
        if (step is null or StepStats.IterationStepName)
        {
            return runtime.Iteration.Snapshot(runtime.Name, duration);
        }

        var recorder = runtime.StepsInOrder().FirstOrDefault(s => s.Name == step);
        return recorder?.Snapshot(runtime.Name, duration) ?? StepStats.Empty(runtime.Name, step, duration);
    }

    private static bool Evaluate(ThresholdState state, StepStats stats)
    {
        try
        {
            return state.Threshold.Predicate(stats);
        }
        catch (Exception ex)
        {
            state.Error = $"{ex.GetType().Name}: {ex.Message}";
            return false;
        }
    }

    private sealed class ScenarioSeries
    {
        public List<WindowPoint> Iteration { get; } = [];

        public Dictionary<string, List<WindowPoint>> Steps { get; } = new(StringComparer.Ordinal);
    }

    private sealed class GaugeGroup
    {
        public List<GaugePoint> Points { get; } = [];

        public int Failed { get; set; }
    }

    private sealed class ThresholdState(Threshold threshold, ScenarioRuntime runtime)
    {
        public Threshold Threshold { get; } = threshold;

        public ScenarioRuntime Runtime { get; } = runtime;

        public int Checks { get; set; }

        public int FailedChecks { get; set; }

        public double? FirstFailureSeconds { get; set; }

        public bool AbortedRun { get; set; }

        public string? Error { get; set; }
    }
}
