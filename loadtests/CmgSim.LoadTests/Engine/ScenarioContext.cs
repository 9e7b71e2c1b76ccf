using System.Runtime.CompilerServices;

namespace CmgSim.LoadTests.Engine;

/// <summary>
/// One virtual user (instance) of a scenario, handed to every invocation it runs. An instance runs one invocation
/// at a time, so the context is reused across its invocations and nothing is allocated per invocation. Per-instance
/// state (for example a simulated client with its own connections) lives in <see cref="Data"/>: create it with
/// <see cref="LoadScenario.WithInstanceInit{TState}"/> (or <see cref="LoadScenario.Create{TState}"/>), read it with
/// <see cref="GetState{T}"/>; it is disposed when the scenario ends if it is <see cref="IAsyncDisposable"/> or
/// <see cref="IDisposable"/>.
/// </summary>
internal sealed class ScenarioContext
{
    private readonly ScenarioRuntime _runtime;
    private readonly TimeProvider _clock;
    private long _intendedStart;
    private long _actualStart;
    private bool _firstStepPending;
    private long _bytes;

    internal ScenarioContext(ScenarioRuntime runtime, ScenarioInfo info, int seed)
    {
        _runtime = runtime;
        _clock = runtime.Clock;
        ScenarioInfo = info;
        Random = new Random(seed);
    }

    public ScenarioInfo ScenarioInfo { get; }

    public string ScenarioName => ScenarioInfo.ScenarioName;

    /// <summary>The virtual user's number within the scenario (0-based; closed-model copy k is instance k).</summary>
    public int InstanceNumber => ScenarioInfo.InstanceNumber;

    /// <summary>How many invocations this instance has started before the current one (0 for its first).</summary>
    public long InvocationNumber { get; private set; } = -1;

    /// <summary>Seeded per instance from the run seed, the scenario name and the instance number.</summary>
    public Random Random { get; }

    /// <summary>Cancelled when the run stops hard (abort, cancellation, or graceful-stop timeout). Invocations cut by it are counted as interrupted.</summary>
    public CancellationToken CancellationToken => _runtime.HardStopToken;

    /// <summary>The scenario clock, for client schedules; faster than real time under <see cref="LoadRunner.WithTimeCompression"/>.</summary>
    public TimeProvider TimeProvider => _runtime.ScenarioClock;

    /// <summary>The engine's real-time clock (the one statistics use).</summary>
    public TimeProvider EngineTimeProvider => _clock;

    /// <summary>True while the current invocation belongs to the warm-up (its results are not recorded).</summary>
    public bool IsWarmUp { get; private set; }

    /// <summary>How late the current invocation started compared with its intended start (open model or paced closed model).</summary>
    public TimeSpan StartDelay => _clock.GetElapsedTime(_intendedStart, _actualStart);

    /// <summary>Per-instance state, created once per instance; see <see cref="GetState{T}"/>.</summary>
    public object? Data { get; set; }

    internal bool Initialized { get; set; }

    /// <summary>The engine's reusable work item for starting this instance's open-model invocations.</summary>
    internal IThreadPoolWorkItem? OpenWork { get; set; }

    internal bool Measured { get; private set; }

    internal bool Failed { get; private set; }

    internal string? FailureCode { get; private set; }

    internal string? FailureMessage { get; private set; }

    internal long Bytes => Interlocked.Read(ref _bytes);

    public T GetState<T>() => Data is T state
        ? state
        : throw new InvalidOperationException(
            $"Scenario '{ScenarioName}' instance {InstanceNumber} has no state of type {typeof(T).Name}; create it with WithInstanceInit.");

    /// <summary>Runs one named step and records its result (an exception is a failure with the exception's type as error code).</summary>
    public ValueTask<StepResult> Step(string name, Func<ValueTask<StepResult>> run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var recorder = _runtime.GetStep(name);
        var (intended, start) = BeginStep();
        ValueTask<StepResult> pending;
        try
        {
            pending = run();
        }
        catch (OperationCanceledException) when (_runtime.HardStopToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            return new ValueTask<StepResult>(EndStep(recorder, intended, start, StepResult.FromException(ex)));
        }

        return pending.IsCompletedSuccessfully
            ? new ValueTask<StepResult>(EndStep(recorder, intended, start, pending.Result))
            : AwaitStep(pending, recorder, intended, start);
    }

    /// <summary>Like <see cref="Step(string, Func{ValueTask{StepResult}})"/>, passing an argument so a static lambda needs no closure.</summary>
    public ValueTask<StepResult> Step<TArg>(string name, TArg argument, Func<TArg, ValueTask<StepResult>> run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var recorder = _runtime.GetStep(name);
        var (intended, start) = BeginStep();
        ValueTask<StepResult> pending;
        try
        {
            pending = run(argument);
        }
        catch (OperationCanceledException) when (_runtime.HardStopToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            return new ValueTask<StepResult>(EndStep(recorder, intended, start, StepResult.FromException(ex)));
        }

        return pending.IsCompletedSuccessfully
            ? new ValueTask<StepResult>(EndStep(recorder, intended, start, pending.Result))
            : AwaitStep(pending, recorder, intended, start);
    }

    /// <summary>Sets a custom gauge (last value wins), charted under the scenario's name.</summary>
    public void SetGauge(string name, double value) => _runtime.Gauges.Set(name, value);

    /// <summary>Adds to a custom gauge, e.g. +1/-1 around a long-lived connection.</summary>
    public void AddToGauge(string name, double delta) => _runtime.Gauges.Add(name, delta);

    /// <summary>Stops the whole run now; the run ends as aborted (exit code 3) with this reason.</summary>
    public void StopRun(string reason) => _runtime.RequestAbort(reason);

    internal void BeginInvocation(long intendedStart, long actualStart, bool measured)
    {
        _intendedStart = intendedStart;
        _actualStart = actualStart;
        _firstStepPending = true;
        Measured = measured;
        IsWarmUp = !measured;
        Failed = false;
        FailureCode = null;
        FailureMessage = null;
        _bytes = 0;
        InvocationNumber++;
    }

    internal void MarkFailed(string code, string? message)
    {
        if (!Failed)
        {
            Failed = true;
            FailureCode = code;
            FailureMessage = message;
        }
    }

    private (long Intended, long Start) BeginStep()
    {
        var start = _clock.GetTimestamp();

        // The first step absorbs the invocation's start delay: its latency runs from the intended start, as the
        // user who arrived then would see it. Later steps follow the previous one immediately, as a real client would.
        var intended = _firstStepPending ? Math.Min(_intendedStart, start) : start;
        _firstStepPending = false;
        return (intended, start);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<StepResult> AwaitStep(ValueTask<StepResult> pending, StepRecorder recorder, long intended, long start)
    {
        StepResult result;
        try
        {
            result = await pending;
        }
        catch (OperationCanceledException) when (_runtime.HardStopToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            result = StepResult.FromException(ex);
        }

        return EndStep(recorder, intended, start, result);
    }

    private StepResult EndStep(StepRecorder recorder, long intended, long start, StepResult result)
    {
        var end = _clock.GetTimestamp();
        if (Measured)
        {
            recorder.Record(result.IsOk, _runtime.ToMicroseconds(end - intended), _runtime.ToMicroseconds(end - start), result);
        }

        if (result.SizeBytes != 0)
        {
            // Steps of one invocation may run in parallel (Task.WhenAll), so the sum is atomic.
            Interlocked.Add(ref _bytes, result.SizeBytes);
        }

        if (!result.IsOk)
        {
            MarkFailed(result.ErrorCode ?? $"{recorder.Name} failed", result.Message);
        }

        return result;
    }
}
