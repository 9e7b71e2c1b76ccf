namespace CmgSim.LoadTests.Engine;

/// <summary>Given to <see cref="LoadScenario.WithInit"/> and <see cref="LoadScenario.WithClean"/>.</summary>
internal sealed class ScenarioInitContext
{
    internal ScenarioInitContext(string scenarioName, int seed, TimeProvider timeProvider, TimeProvider engineTimeProvider, CancellationToken cancellationToken)
    {
        ScenarioName = scenarioName;
        Seed = seed;
        Random = new Random(seed);
        TimeProvider = timeProvider;
        EngineTimeProvider = engineTimeProvider;
        CancellationToken = cancellationToken;
    }

    public string ScenarioName { get; }

    /// <summary>This scenario's seed, derived from the run seed and the scenario name.</summary>
    public int Seed { get; }

    public Random Random { get; }

    /// <summary>The scenario clock (possibly compressed, see <see cref="LoadRunner.WithTimeCompression"/>).</summary>
    public TimeProvider TimeProvider { get; }

    /// <summary>The engine's real-time clock, the one statistics use.</summary>
    public TimeProvider EngineTimeProvider { get; }

    public CancellationToken CancellationToken { get; }
}
