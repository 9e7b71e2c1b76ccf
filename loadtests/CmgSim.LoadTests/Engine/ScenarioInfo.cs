namespace CmgSim.LoadTests.Engine;

/// <summary>Who is running: the scenario and the virtual user (instance) within it.</summary>
internal sealed record ScenarioInfo(string ScenarioName, int ScenarioIndex, int InstanceNumber)
{
    /// <summary><c>scenario#instance</c>, stable across runs with the same settings.</summary>
    public string InstanceId { get; } = $"{ScenarioName}#{InstanceNumber}";
}
