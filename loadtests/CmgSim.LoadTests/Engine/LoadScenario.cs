namespace CmgSim.LoadTests.Engine;

/// <summary>What an open model does with an arrival when every instance is busy and the cap is reached.</summary>
internal enum OverflowPolicy
{
    /// <summary>Wait for a free instance and start late; latency still counts from the intended start.</summary>
    StartLate,

    /// <summary>Drop the arrival and count it as dropped (k6's <c>dropped_iterations</c>).</summary>
    Drop,
}

/// <summary>
/// A named piece of load: <c>run</c> is one iteration of one virtual user (closed model) or one arrival (open model).
/// Configure it fluently; the instance is mutated and returned by each <c>With…</c> call.
/// </summary>
internal sealed class LoadScenario
{
    /// <summary>Default cap on concurrently running instances in open models.</summary>
    public const int DefaultMaxOpenInstances = 1000;

    private readonly List<LoadSimulation> _simulations = [];
    private readonly List<Threshold> _thresholds = [];

    private LoadScenario(string name, Func<ScenarioContext, Task> run)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(run);
        Name = name;
        Run = run;
    }

    public string Name { get; }

    internal Func<ScenarioContext, Task> Run { get; }

    internal Func<ScenarioInitContext, Task>? Init { get; private set; }

    internal Func<ScenarioInitContext, Task>? Clean { get; private set; }

    internal Func<ScenarioContext, Task<object?>>? InstanceInit { get; private set; }

    /// <summary>Load that runs before the measured part and is excluded from the statistics (default none).</summary>
    public TimeSpan WarmUpDuration { get; private set; }

    /// <summary>The phases in order; default <c>KeepConstant(1, 1 min)</c> as in NBomber.</summary>
    public IReadOnlyList<LoadSimulation> Simulations =>
        _simulations.Count > 0 ? _simulations : [LoadSimulation.KeepConstant(1, TimeSpan.FromMinutes(1))];

    public IReadOnlyList<Threshold> Thresholds => _thresholds;

    /// <summary>Abort the run (exit code 3) once this many iterations have failed in the measured part.</summary>
    public long? MaxFailCount { get; private set; }

    /// <summary>Closed models: each copy starts an iteration every <see cref="Pacing"/>; latency counts from that scheduled time.</summary>
    public TimeSpan? Pacing { get; private set; }

    /// <summary>Open models: draw exponential inter-arrival times (Poisson process) instead of even spacing.</summary>
    public bool PoissonArrivals { get; private set; }

    /// <summary>Seed of the Poisson draws; null derives it from the run seed and the scenario name.</summary>
    public int? PoissonSeed { get; private set; }

    public int MaxOpenInstances { get; private set; } = DefaultMaxOpenInstances;

    public int PreAllocatedOpenInstances { get; private set; }

    public OverflowPolicy Overflow { get; private set; } = OverflowPolicy.StartLate;

    /// <summary>
    /// An invocation that starts later than this after its intended start (open model, or paced closed model) counts as
    /// a late start, whether it waited for a free instance or the generator itself fell behind (default 10 ms).
    /// </summary>
    public TimeSpan LateStartTolerance { get; private set; } = TimeSpan.FromMilliseconds(10);

    /// <summary>How long in-flight invocations may finish after the load ends before they are cancelled (default 10 s).</summary>
    public TimeSpan GracefulStop { get; private set; } = TimeSpan.FromSeconds(10);

    public static LoadScenario Create(string name, Func<ScenarioContext, Task> run) => new(name, run);

    /// <summary>A scenario whose instances each hold a <typeparamref name="TState"/>, created once per instance and disposed at the end.</summary>
    public static LoadScenario Create<TState>(string name, Func<ScenarioContext, Task<TState>> instanceInit, Func<ScenarioContext, TState, Task> run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return new LoadScenario(name, ctx => run(ctx, (TState)ctx.Data!)).WithInstanceInit(instanceInit);
    }

    /// <summary>Runs once before any load (for example to start a topology or load certificates). A failure ends the run with exit code 4.</summary>
    public LoadScenario WithInit(Func<ScenarioInitContext, Task> init)
    {
        Init = init;
        return this;
    }

    /// <summary>Runs once after the load and after instance states are disposed.</summary>
    public LoadScenario WithClean(Func<ScenarioInitContext, Task> clean)
    {
        Clean = clean;
        return this;
    }

    /// <summary>
    /// Creates each instance's state before its first invocation (closed model: when the copy starts, outside the
    /// statistics; open model: on the arrival that first uses the instance, inside its latency but not its service time,
    /// or before the load for <see cref="WithOpenModelInstances"/>' pre-allocated instances).
    /// </summary>
    public LoadScenario WithInstanceInit<TState>(Func<ScenarioContext, Task<TState>> init)
    {
        ArgumentNullException.ThrowIfNull(init);
        InstanceInit = async ctx => await init(ctx).ConfigureAwait(false);
        return this;
    }

    public LoadScenario WithWarmUpDuration(TimeSpan duration)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(duration, TimeSpan.Zero);
        WarmUpDuration = duration;
        return this;
    }

    public LoadScenario WithoutWarmUp() => WithWarmUpDuration(TimeSpan.Zero);

    public LoadScenario WithLoadSimulations(params LoadSimulation[] simulations)
    {
        ArgumentNullException.ThrowIfNull(simulations);
        if (simulations.Length == 0)
        {
            throw new ArgumentException("At least one load simulation is needed.", nameof(simulations));
        }

        if (simulations.Length > 1 && simulations.Any(s => s is IterationsForConstantSimulation or IterationsForInjectSimulation))
        {
            throw new ArgumentException("IterationsForConstant and IterationsForInject cannot be combined with other simulations.", nameof(simulations));
        }

        _simulations.Clear();
        _simulations.AddRange(simulations);
        return this;
    }

    public LoadScenario WithThresholds(params Threshold[] thresholds)
    {
        foreach (var threshold in thresholds)
        {
            if (threshold.ScenarioName is { } scenario && scenario != Name)
            {
                throw new ArgumentException($"Threshold '{threshold.Description}' is for scenario '{scenario}', not '{Name}'.", nameof(thresholds));
            }

            _thresholds.Add(threshold with { ScenarioName = Name });
        }

        return this;
    }

    public LoadScenario WithMaxFailCount(long maxFailCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxFailCount);
        MaxFailCount = maxFailCount;
        return this;
    }

    public LoadScenario WithPacing(TimeSpan pacing)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(pacing, TimeSpan.Zero);
        Pacing = pacing;
        return this;
    }

    public LoadScenario WithPoissonArrivals(int? seed = null)
    {
        PoissonArrivals = true;
        PoissonSeed = seed;
        return this;
    }

    /// <summary>Open models: at most <paramref name="max"/> invocations at once, <paramref name="preAllocated"/> instances initialised before the load.</summary>
    public LoadScenario WithOpenModelInstances(int max, int preAllocated = 0, OverflowPolicy overflow = OverflowPolicy.StartLate)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(preAllocated);
        MaxOpenInstances = max;
        PreAllocatedOpenInstances = Math.Min(preAllocated, max);
        Overflow = overflow;
        return this;
    }

    public LoadScenario WithLateStartTolerance(TimeSpan tolerance)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(tolerance, TimeSpan.Zero);
        LateStartTolerance = tolerance;
        return this;
    }

    public LoadScenario WithGracefulStop(TimeSpan gracefulStop)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(gracefulStop, TimeSpan.Zero);
        GracefulStop = gracefulStop;
        return this;
    }
}
