using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace CmgSim.LoadTests.Engine;

/// <summary>Where a scenario is in its life.</summary>
internal enum ScenarioPhase
{
    Pending,
    WarmUp,
    Running,
    Draining,
    Finished,
}

/// <summary>
/// Executes one scenario: warm-up, then its load simulations in order, then the drain. Closed phases keep copy
/// loops running (copy k is instance k); open phases dispatch arrivals from an <see cref="ArrivalSchedule"/> on the
/// engine clock, renting instances from a pool. Whether an invocation counts is decided when it starts (warm-up or
/// measured phase), so totals are exact at phase boundaries.
/// </summary>
internal sealed class ScenarioRuntime : IDisposable
{
    private static readonly TimeSpan AbandonAfter = TimeSpan.FromSeconds(5);

    private readonly Func<ScenarioContext, Task> _run;
    private readonly Func<ScenarioContext, Task<object?>>? _instanceInit;
    private readonly Action<string> _requestAbort;
    private readonly int _runSeed;
    private readonly double _microsecondsPerTick;
    private readonly ConcurrentDictionary<string, StepRecorder> _steps = new(StringComparer.Ordinal);
    private readonly List<StepRecorder> _stepOrder = [];
    private readonly Lock _stepLock = new();
    private readonly CancellationTokenSource _softStop = new();
    private readonly CancellationTokenSource _hardStop = new();
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly InstancePool _pool;
    private ScenarioContext?[] _copies = [];
    private int[] _copyRunning = [];
    private volatile ClosedState _closed = new(0, false, null);
    private readonly long _lateTicks;
    private long _pacingTicks;
    private int _nextInstanceNumber;
    private int _runningCopies;
    private int _openInFlight;
    private int _active;
    private int _draining;
    private long _lateStarts;
    private long _dropped;
    private long _interrupted;
    private long _warmUpInvocations;
    private volatile ScenarioPhase _phase;
    private volatile bool _measuredStarted;
    private volatile bool _loadEnded;
    private volatile bool _finished;

    public ScenarioRuntime(
        LoadScenario definition,
        int index,
        int runSeed,
        TimeProvider clock,
        TimeProvider scenarioClock,
        Action<string> requestAbort)
    {
        Definition = definition;
        Index = index;
        Clock = clock;
        ScenarioClock = scenarioClock;
        _run = definition.Run;
        _instanceInit = definition.InstanceInit;
        _requestAbort = requestAbort;
        _runSeed = runSeed;
        _microsecondsPerTick = 1_000_000.0 / clock.TimestampFrequency;
        Seed = Seeds.Derive(runSeed, definition.Name);
        _lateTicks = (long)(definition.LateStartTolerance.TotalSeconds * clock.TimestampFrequency);
        _pool = new InstancePool(definition.MaxOpenInstances, CreateInstance);
    }

    public LoadScenario Definition { get; }

    public string Name => Definition.Name;

    public int Index { get; }

    public int Seed { get; }

    public TimeProvider Clock { get; }

    public TimeProvider ScenarioClock { get; }

    public CancellationToken HardStopToken => _hardStop.Token;

    public GaugeSet Gauges { get; } = new();

    public StepRecorder Iteration { get; } = new(StepStats.IterationStepName);

    public ScenarioPhase Phase => _phase;

    /// <summary>Engine timestamp at which the measured part began (valid once <see cref="HasMeasuredStart"/>).</summary>
    public long MeasuredStart { get; private set; }

    public bool HasMeasuredStart => _measuredStarted;

    /// <summary>Engine timestamp at which the load ended, before the drain (valid once <see cref="HasLoadEnded"/>).</summary>
    public long LoadEnd { get; private set; }

    public bool HasLoadEnded => _loadEnded;

    /// <summary>Engine timestamp at which the scenario finished draining (valid once <see cref="HasFinished"/>).</summary>
    public long FinishedAt { get; private set; }

    public bool HasFinished => _finished;

    /// <summary>Measured invocations that started more than the late-start tolerance after their intended start.</summary>
    public long LateStarts => Interlocked.Read(ref _lateStarts);

    public long Dropped => Interlocked.Read(ref _dropped);

    public long Interrupted => Interlocked.Read(ref _interrupted);

    public long WarmUpInvocations => Interlocked.Read(ref _warmUpInvocations);

    /// <summary>Invocations still running when the scenario gave up waiting for them.</summary>
    public int Abandoned { get; private set; }

    /// <summary>Closed-model copies running plus open-model invocations in flight.</summary>
    public int CurrentCopies => Volatile.Read(ref _runningCopies) + Volatile.Read(ref _openInFlight);

    public int MaxCopies { get; private set; }

    public List<string> Errors { get; } = [];

    public StepRecorder GetStep(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _steps.TryGetValue(name, out var recorder) ? recorder : AddStep(name);
    }

    public StepRecorder[] StepsInOrder()
    {
        lock (_stepLock)
        {
            return [.. _stepOrder];
        }
    }

    public long ToMicroseconds(long ticks) => (long)(ticks * _microsecondsPerTick);

    /// <summary>Measured seconds so far (or in total once the load has ended).</summary>
    public double MeasuredSeconds(long now)
    {
        if (!_measuredStarted)
        {
            return 0;
        }

        var end = _loadEnded ? LoadEnd : now;
        return Math.Max(0, Clock.GetElapsedTime(MeasuredStart, end).TotalSeconds);
    }

    public void RequestAbort(string reason) => _requestAbort($"scenario '{Name}' stopped the run: {reason}");

    public async Task RunAsync(CancellationToken abort)
    {
        using var registration = abort.Register(static state => ((ScenarioRuntime)state!).StopNow(), this);
        var blocks = Plan(Definition.Simulations);
        MaxCopies = Math.Max(1, blocks.OfType<ClosedBlock>().Select(b => b.MaxCopies).DefaultIfEmpty(0).Max());
        _copies = new ScenarioContext?[MaxCopies];
        _copyRunning = new int[MaxCopies];
        _pacingTicks = Definition.Pacing is { } pacing ? (long)(pacing.TotalSeconds * Clock.TimestampFrequency) : 0;
        try
        {
            await PreAllocateAsync(abort);
            var start = Clock.GetTimestamp();
            if (Definition.WarmUpDuration > TimeSpan.Zero && WarmUpBlock(blocks, Definition.WarmUpDuration) is { } warmUp)
            {
                _phase = ScenarioPhase.WarmUp;
                start = await RunBlockAsync(warmUp, start, measured: false, abort);
            }

            MeasuredStart = start;
            _measuredStarted = true;
            _phase = ScenarioPhase.Running;
            foreach (var block in blocks)
            {
                start = await RunBlockAsync(block, start, measured: true, abort);
            }
        }
        catch (OperationCanceledException) when (abort.IsCancellationRequested)
        {
            // Aborted: the drain below accounts for whatever is still in flight.
        }

        if (!_measuredStarted)
        {
            MeasuredStart = Clock.GetTimestamp();
            _measuredStarted = true;
        }

        LoadEnd = Clock.GetTimestamp();
        _loadEnded = true;
        _phase = ScenarioPhase.Draining;
        await DrainAsync();
        FinishedAt = Clock.GetTimestamp();
        _finished = true;
        _phase = ScenarioPhase.Finished;
    }

    /// <summary>
    /// Disposes every instance's state that is disposable, many at once: a state may wait on the network (a
    /// client logging out), and thousands of them one after the other would hold the end of a run for minutes.
    /// </summary>
    public async Task DisposeInstancesAsync()
    {
        var instances = _copies.Concat(_pool.All).Where(static i => i?.Data is IAsyncDisposable or IDisposable).ToList();
        await Parallel.ForEachAsync(instances, new ParallelOptions { MaxDegreeOfParallelism = 256 }, async (instance, _) =>
        {
            try
            {
                switch (instance!.Data)
                {
                    case IAsyncDisposable asyncDisposable:
                        await asyncDisposable.DisposeAsync();
                        break;
                    case IDisposable disposable:
                        disposable.Dispose();
                        break;
                }
            }
            catch (Exception ex)
            {
                lock (Errors)
                {
                    Errors.Add($"disposing instance {instance!.InstanceNumber}: {ex.GetType().Name}: {ex.Message}");
                }
            }
        });
    }

    public void Dispose()
    {
        _softStop.Dispose();
        _hardStop.Dispose();
        _pool.Dispose();
    }

    private StepRecorder AddStep(string name)
    {
        lock (_stepLock)
        {
            if (!_steps.TryGetValue(name, out var recorder))
            {
                recorder = new StepRecorder(name);
                _stepOrder.Add(recorder);
                _steps[name] = recorder;
            }

            return recorder;
        }
    }

    private void StopNow()
    {
        _softStop.Cancel();
        _hardStop.Cancel();
    }

    private ScenarioContext CreateInstance()
    {
        var number = Interlocked.Increment(ref _nextInstanceNumber) - 1;
        return new ScenarioContext(this, new ScenarioInfo(Name, Index, number), Seeds.Derive(_runSeed, Name, number + 1));
    }

    private async Task PreAllocateAsync(CancellationToken abort)
    {
        var count = Definition.PreAllocatedOpenInstances;
        if (count == 0)
        {
            return;
        }

        var instances = Enumerable.Range(0, count).Select(_ => _pool.Create()).ToList();
        if (_instanceInit is { } init)
        {
            await Task.WhenAll(instances.Select(async instance =>
            {
                instance.Data = await init(instance).WaitAsync(abort);
                instance.Initialized = true;
            }));
        }

        foreach (var instance in instances)
        {
            _pool.Return(instance);
        }
    }

    // ---- planning -------------------------------------------------------------------------------------------

    private abstract record Block;

    private sealed record ClosedBlock(LoadSimulation Simulation, int FromCopies, int ToCopies) : Block
    {
        public int MaxCopies => Math.Max(FromCopies, ToCopies);
    }

    private sealed record OpenBlock(IReadOnlyList<RateSegment> Segments, long? Iterations, Func<Random> PoissonRandom) : Block;

    private List<Block> Plan(IReadOnlyList<LoadSimulation> simulations)
    {
        var blocks = new List<Block>();
        var copies = 0;
        var rate = 0.0;
        List<RateSegment>? open = null;
        var randomRates = new Random(Seeds.Derive(_runSeed, Name + "/InjectRandom"));
        foreach (var simulation in simulations)
        {
            switch (simulation)
            {
                case KeepConstantSimulation s:
                    open = null;
                    blocks.Add(new ClosedBlock(s, s.Copies, s.Copies));
                    (copies, rate) = (s.Copies, 0);
                    break;
                case RampingConstantSimulation s:
                    open = null;
                    blocks.Add(new ClosedBlock(s, copies, s.Copies));
                    (copies, rate) = (s.Copies, 0);
                    break;
                case IterationsForConstantSimulation s:
                    open = null;
                    blocks.Add(new ClosedBlock(s, s.Copies, s.Copies));
                    (copies, rate) = (s.Copies, 0);
                    break;
                case PauseSimulation s when open is not null:
                    open.Add(new RateSegment(s.During.TotalSeconds, 0, 0));
                    rate = 0;
                    break;
                case PauseSimulation s:
                    blocks.Add(new ClosedBlock(s, 0, 0));
                    (copies, rate) = (0, 0);
                    break;
                case InjectSimulation s:
                    rate = s.Rate / s.Interval.TotalSeconds;
                    AddOpen(new RateSegment(s.During.TotalSeconds, rate, rate));
                    break;
                case RampingInjectSimulation s:
                    var target = s.Rate / s.Interval.TotalSeconds;
                    AddOpen(new RateSegment(s.During.TotalSeconds, rate, target));
                    rate = target;
                    break;
                case InjectRandomSimulation s:
                    var remaining = s.During.TotalSeconds;
                    while (remaining > 1e-9)
                    {
                        var chunk = Math.Min(remaining, s.Interval.TotalSeconds);
                        rate = (s.MinRate + (randomRates.NextDouble() * (s.MaxRate - s.MinRate))) / s.Interval.TotalSeconds;
                        AddOpen(new RateSegment(chunk, rate, rate));
                        remaining -= chunk;
                    }

                    break;
                case IterationsForInjectSimulation s:
                    rate = s.Rate / s.Interval.TotalSeconds;
                    blocks.Add(new OpenBlock([new RateSegment(double.PositiveInfinity, rate, rate)], s.Iterations, PoissonRandom));
                    open = null;
                    break;
                default:
                    throw new NotSupportedException(simulation.GetType().Name);
            }

            if (simulation is not (InjectSimulation or RampingInjectSimulation or InjectRandomSimulation or PauseSimulation))
            {
                open = null;
            }
        }

        return blocks;

        void AddOpen(RateSegment segment)
        {
            if (open is null)
            {
                open = [];
                blocks.Add(new OpenBlock(open, null, PoissonRandom));
                copies = 0;
            }

            open.Add(segment);
        }
    }

    /// <summary>Warm-up runs at the level the first load simulation aims for; the simulations then start from their own initial values.</summary>
    private Block? WarmUpBlock(List<Block> blocks, TimeSpan warmUp)
    {
        foreach (var block in blocks)
        {
            switch (block)
            {
                case ClosedBlock { Simulation: PauseSimulation }:
                    continue;
                case ClosedBlock closed:
                    return new ClosedBlock(new KeepConstantSimulation(closed.ToCopies, warmUp), closed.ToCopies, closed.ToCopies);
                case OpenBlock open:
                    var first = open.Segments.FirstOrDefault(s => s.EndRate > 0);
                    var rate = first.EndRate;
                    return rate > 0 ? new OpenBlock([new RateSegment(warmUp.TotalSeconds, rate, rate)], null, PoissonRandom) : null;
            }
        }

        return null;
    }

    private Random PoissonRandom() => new(Definition.PoissonSeed ?? Seeds.Derive(_runSeed, Name + "/Poisson"));

    // ---- execution ------------------------------------------------------------------------------------------

    /// <summary>Runs one block from its nominal start; returns the next block's nominal start.</summary>
    private async Task<long> RunBlockAsync(Block block, long start, bool measured, CancellationToken abort)
    {
        switch (block)
        {
            case ClosedBlock { Simulation: IterationsForConstantSimulation s }:
            {
                var budget = new Budget(s.Iterations);
                SetClosed(s.Copies, measured, budget);
                await budget.Done.WaitAsync(abort);
                SetClosed(0, measured, null);
                return Clock.GetTimestamp();
            }

            case ClosedBlock { Simulation: RampingConstantSimulation s } ramp:
            {
                var end = start + Ticks(s.During);
                await RampAsync(ramp.FromCopies, ramp.ToCopies, start, end, measured, abort);
                return end;
            }

            case ClosedBlock closed:
            {
                var end = start + Ticks(closed.Simulation.Duration!.Value);
                SetClosed(closed.ToCopies, measured, null);
                await DelayUntilAsync(end, abort);
                return end;
            }

            case OpenBlock open:
            {
                SetClosed(0, measured, null);
                var schedule = new ArrivalSchedule(open.Segments, Definition.PoissonArrivals ? open.PoissonRandom() : null, open.Iterations ?? long.MaxValue);
                if (open.Iterations is { } iterations)
                {
                    var budget = new Budget(iterations);
                    await DispatchAsync(schedule, start, null, measured, budget, abort);
                    await budget.Done.WaitAsync(abort);
                    return Clock.GetTimestamp();
                }

                var blockEnd = start + Ticks(TimeSpan.FromSeconds(schedule.TotalSeconds));
                await DispatchAsync(schedule, start, blockEnd, measured, null, abort);
                await DelayUntilAsync(blockEnd, abort);
                return blockEnd;
            }

            default:
                throw new NotSupportedException(block.GetType().Name);
        }
    }

    private async Task RampAsync(int from, int to, long start, long end, bool measured, CancellationToken abort)
    {
        // copies(t) = round(from + (to − from)·t/length); wake exactly when the rounded value next changes.
        var length = (double)(end - start);
        var span = to - from;
        var minimumStep = Ticks(TimeSpan.FromMilliseconds(1));
        while (span != 0)
        {
            var now = Clock.GetTimestamp();
            if (now >= end)
            {
                break;
            }

            var copies = (int)Math.Round(from + (span * ((now - start) / length)), MidpointRounding.AwayFromZero);
            SetClosed(copies, measured, null);
            var nextThreshold = copies + (Math.Sign(span) * 0.5);
            var next = start + (long)Math.Ceiling((nextThreshold - from) / span * length);
            await DelayUntilAsync(Math.Min(Math.Max(next, now + minimumStep), end), abort);
        }

        SetClosed(to, measured, null);
        if (span == 0)
        {
            await DelayUntilAsync(end, abort);
        }
    }

    private void SetClosed(int copies, bool measured, Budget? budget)
    {
        copies = Math.Min(copies, _copyRunning.Length);
        _closed = new ClosedState(copies, measured, budget);
        for (var slot = 0; slot < copies; slot++)
        {
            if (Interlocked.CompareExchange(ref _copyRunning[slot], 1, 0) == 0)
            {
                Interlocked.Increment(ref _active);
                Interlocked.Increment(ref _runningCopies);
                var instance = _copies[slot] ??= CreateInstance();
                _ = CopyLoopAsync(slot, instance);
            }
        }
    }

    private bool ShouldRun(int slot, ClosedState state) =>
        slot < state.Copies && state.Budget is not { Exhausted: true } && !_softStop.IsCancellationRequested;

    private async Task CopyLoopAsync(int slot, ScenarioContext instance)
    {
        try
        {
            await Task.Yield();
            var pacing = _pacingTicks;

            // Copies start at staggered, seeded offsets so paced copies do not fire in lockstep.
            var nextDue = pacing > 0 ? Clock.GetTimestamp() + (long)(instance.Random.NextDouble() * pacing) : 0;
            var synchronousRuns = 0;
            while (true)
            {
                var state = _closed;
                if (!ShouldRun(slot, state))
                {
                    Volatile.Write(ref _copyRunning[slot], 0);
                    if (ShouldRun(slot, _closed) && Interlocked.CompareExchange(ref _copyRunning[slot], 1, 0) == 0)
                    {
                        continue;
                    }

                    return;
                }

                long intended = 0;
                if (pacing > 0)
                {
                    if (nextDue > Clock.GetTimestamp())
                    {
                        try
                        {
                            await DelayUntilAsync(nextDue, _softStop.Token);
                        }
                        catch (OperationCanceledException)
                        {
                            continue;
                        }

                        state = _closed;
                        if (!ShouldRun(slot, state))
                        {
                            continue;
                        }
                    }

                    intended = nextDue;
                    nextDue += pacing;
                }

                var budget = state.Budget;
                if (budget is not null && !budget.TryTake())
                {
                    continue;
                }

                var invocation = RunInvocationAsync(instance, intended, state.Measured, budget);
                if (invocation.IsCompleted)
                {
                    invocation.GetAwaiter().GetResult();

                    // A step that completes synchronously must not monopolise a pool thread.
                    if (++synchronousRuns >= 32)
                    {
                        synchronousRuns = 0;
                        await Task.Yield();
                    }
                }
                else
                {
                    await invocation;
                    synchronousRuns = 0;
                }
            }
        }
        finally
        {
            Interlocked.Decrement(ref _runningCopies);
            ExitActive();
        }
    }

    private async Task DispatchAsync(ArrivalSchedule schedule, long start, long? end, bool measured, Budget? budget, CancellationToken abort)
    {
        using var blockEnd = end is { } e ? new CancellationTokenSource(Remaining(e), Clock) : null;
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(abort, blockEnd?.Token ?? CancellationToken.None);
        var token = linked.Token;
        var dropPolicy = Definition.Overflow == OverflowPolicy.Drop;
        var frequency = (double)Clock.TimestampFrequency;
        try
        {
            while (schedule.TryNext(out var offset))
            {
                var due = start + (long)(offset * frequency);
                if (due > Clock.GetTimestamp())
                {
                    await DelayUntilAsync(due, token);
                }

                if (!_pool.TryRent(out var instance))
                {
                    if (dropPolicy)
                    {
                        if (measured)
                        {
                            Interlocked.Increment(ref _dropped);
                        }

                        budget?.Complete();
                        continue;
                    }

                    instance = await _pool.RentAsync(token);
                }

                Interlocked.Increment(ref _active);
                Interlocked.Increment(ref _openInFlight);

                // Each arrival starts on the thread pool, so the synchronous part of one invocation (building or
                // signing a message) never delays the next arrival; the work item is per instance, not per arrival.
                var work = (OpenWork)(instance.OpenWork ??= new OpenWork(this, instance));
                work.Set(due, measured, budget);
                ThreadPool.UnsafeQueueUserWorkItem(work, preferLocal: false);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            if (!abort.IsCancellationRequested)
            {
                // The block ended with arrivals due that never got an instance: the one waiting, and any still to come.
                var notStarted = 1 + schedule.DrainRemaining();
                if (measured)
                {
                    Interlocked.Add(ref _dropped, notStarted);
                }
            }
        }
    }

    private async Task RunOpenInvocationAsync(ScenarioContext instance, long due, bool measured, Budget? budget)
    {
        try
        {
            await RunInvocationAsync(instance, due, measured, budget);
        }
        finally
        {
            _pool.Return(instance);
            Interlocked.Decrement(ref _openInFlight);
            ExitActive();
        }
    }

    /// <summary>Runs one invocation and records it; never throws. <paramref name="intended"/> 0 means "now".</summary>
    private ValueTask RunInvocationAsync(ScenarioContext instance, long intended, bool measured, Budget? budget)
    {
        if (_instanceInit is not null && !instance.Initialized)
        {
            return InitializeAndRunAsync(instance, intended, measured, budget);
        }

        var start = Clock.GetTimestamp();
        if (intended == 0 || intended > start)
        {
            intended = start;
        }
        else if (measured && start - intended > _lateTicks)
        {
            Interlocked.Increment(ref _lateStarts);
        }

        instance.BeginInvocation(intended, start, measured);
        Task task;
        try
        {
            task = _run(instance);
        }
        catch (Exception ex)
        {
            Complete(instance, intended, start, ex, budget);
            return ValueTask.CompletedTask;
        }

        if (task.IsCompletedSuccessfully)
        {
            Complete(instance, intended, start, null, budget);
            return ValueTask.CompletedTask;
        }

        return AwaitInvocationAsync(task, instance, intended, start, budget);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask AwaitInvocationAsync(Task task, ScenarioContext instance, long intended, long start, Budget? budget)
    {
        Exception? error = null;
        try
        {
            await task;
        }
        catch (Exception ex)
        {
            error = ex;
        }

        Complete(instance, intended, start, error, budget);
    }

    private async ValueTask InitializeAndRunAsync(ScenarioContext instance, long intended, bool measured, Budget? budget)
    {
        try
        {
            instance.Data = await _instanceInit!(instance);
            instance.Initialized = true;
        }
        catch (Exception ex)
        {
            var now = Clock.GetTimestamp();
            var from = intended == 0 ? now : Math.Min(intended, now);
            instance.BeginInvocation(from, now, measured);
            if (ex is not OperationCanceledException || !_hardStop.IsCancellationRequested)
            {
                instance.MarkFailed(ex.GetType().Name, $"instance init: {ex.Message}");
            }

            Complete(instance, from, now, ex is OperationCanceledException && _hardStop.IsCancellationRequested ? ex : null, budget);
            return;
        }

        await RunInvocationAsync(instance, intended, measured, budget);
    }

    private void Complete(ScenarioContext instance, long intended, long start, Exception? error, Budget? budget)
    {
        if (error is OperationCanceledException && _hardStop.IsCancellationRequested)
        {
            if (instance.Measured)
            {
                Interlocked.Increment(ref _interrupted);
            }
        }
        else if (instance.Measured)
        {
            var end = Clock.GetTimestamp();
            if (error is not null)
            {
                instance.MarkFailed(error.GetType().Name, error.Message);
            }

            var ok = !instance.Failed;
            var summary = new StepResult(ok, 0, instance.Bytes, instance.FailureCode, instance.FailureMessage);
            Iteration.Record(ok, ToMicroseconds(end - intended), ToMicroseconds(end - start), summary);
        }
        else
        {
            Interlocked.Increment(ref _warmUpInvocations);
        }

        budget?.Complete();
    }

    private async Task DrainAsync()
    {
        _closed = new ClosedState(0, false, null);
        _softStop.Cancel();
        Interlocked.Exchange(ref _draining, 1);
        if (Volatile.Read(ref _active) == 0)
        {
            _drained.TrySetResult();
        }

        if (await WaitDrainedAsync(Definition.GracefulStop))
        {
            return;
        }

        _hardStop.Cancel();
        if (!await WaitDrainedAsync(AbandonAfter))
        {
            Abandoned = Volatile.Read(ref _active);
            Errors.Add($"{Abandoned} invocation(s) ignored cancellation and were abandoned.");
        }
    }

    private async Task<bool> WaitDrainedAsync(TimeSpan timeout)
    {
        if (_drained.Task.IsCompleted)
        {
            return true;
        }

        if (timeout <= TimeSpan.Zero)
        {
            return false;
        }

        try
        {
            await _drained.Task.WaitAsync(timeout, Clock);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    private void ExitActive()
    {
        if (Interlocked.Decrement(ref _active) == 0 && Volatile.Read(ref _draining) == 1)
        {
            _drained.TrySetResult();
        }
    }

    private Task DelayUntilAsync(long timestamp, CancellationToken cancellationToken)
    {
        var remaining = Remaining(timestamp);
        return remaining > TimeSpan.Zero ? Task.Delay(remaining, Clock, cancellationToken) : Task.CompletedTask;
    }

    private TimeSpan Remaining(long timestamp)
    {
        var ticks = timestamp - Clock.GetTimestamp();
        return ticks > 0 ? TimeSpan.FromSeconds((double)ticks / Clock.TimestampFrequency) : TimeSpan.Zero;
    }

    private long Ticks(TimeSpan span) => (long)(span.TotalSeconds * Clock.TimestampFrequency);

    private sealed record ClosedState(int Copies, bool Measured, Budget? Budget);

    /// <summary>Starts one open-model invocation on the thread pool; one per instance, reused for each arrival it serves.</summary>
    private sealed class OpenWork(ScenarioRuntime runtime, ScenarioContext instance) : IThreadPoolWorkItem
    {
        private long _due;
        private bool _measured;
        private Budget? _budget;

        public void Set(long due, bool measured, Budget? budget)
        {
            _due = due;
            _measured = measured;
            _budget = budget;
        }

        public void Execute() => _ = runtime.RunOpenInvocationAsync(instance, _due, _measured, _budget);
    }

    /// <summary>Exact iteration counts: each invocation takes one unit before it starts and completes it when it ends.</summary>
    private sealed class Budget(long total)
    {
        private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly long _total = total;
        private long _remaining = total;
        private long _completed;

        public Task Done => _done.Task;

        public bool Exhausted => Volatile.Read(ref _remaining) <= 0;

        public bool TryTake()
        {
            if (Interlocked.Decrement(ref _remaining) >= 0)
            {
                return true;
            }

            Interlocked.Increment(ref _remaining);
            return false;
        }

        public void Complete()
        {
            if (Interlocked.Increment(ref _completed) == _total)
            {
                _done.TrySetResult();
            }
        }
    }

    /// <summary>Open-model instances: created on demand up to the cap, reused, and kept for disposal at the end.</summary>
    private sealed class InstancePool(int max, Func<ScenarioContext> factory) : IDisposable
    {
        private readonly ConcurrentQueue<ScenarioContext> _free = new();
        private readonly SemaphoreSlim _available = new(0);
        private readonly List<ScenarioContext> _all = [];

        public IReadOnlyList<ScenarioContext> All => _all;

        public ScenarioContext Create()
        {
            var instance = factory();
            _all.Add(instance);
            return instance;
        }

        /// <summary>Dispatcher only (one per scenario at a time).</summary>
        public bool TryRent([NotNullWhen(true)] out ScenarioContext? instance)
        {
            if (_available.Wait(0) && _free.TryDequeue(out instance))
            {
                return true;
            }

            if (_all.Count < max)
            {
                instance = Create();
                return true;
            }

            instance = null;
            return false;
        }

        public async ValueTask<ScenarioContext> RentAsync(CancellationToken cancellationToken)
        {
            await _available.WaitAsync(cancellationToken);
            return _free.TryDequeue(out var instance) ? instance : throw new InvalidOperationException("instance pool out of sync");
        }

        public void Return(ScenarioContext instance)
        {
            _free.Enqueue(instance);
            _available.Release();
        }

        public void Dispose() => _available.Dispose();
    }
}
