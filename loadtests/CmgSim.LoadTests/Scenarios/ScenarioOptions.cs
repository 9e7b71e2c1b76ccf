using System.CommandLine;
using System.Runtime.ExceptionServices;
using CmgSim.CloudService.Capacity;
using CmgSim.LoadTests.Engine;
using CmgSim.LoadTests.Engine.Progress;

namespace CmgSim.LoadTests.Scenarios;

/// <summary>The options the CMG scenarios share: VM size, VM instances, attaching to a running lab, report folder, seed.</summary>
internal sealed class ScenarioOptions
{
    private ScenarioOptions(string scenario, bool attachable)
    {
        Profile = new Option<string>("--profile") { Description = $"VM size: {string.Join(", ", VmSizeProfiles.Names)}.", DefaultValueFactory = static _ => "lab" };
        Instances = new Option<int>("--instances") { Description = "VM instances (1-16).", DefaultValueFactory = static _ => 1 };
        Topology = attachable ? new Option<string?>("--topology") { Description = "Attach to the running topology in this lab folder instead of starting one." } : null;
        Output = new Option<string>("--out") { Description = "Report folder (Markdown, CSV, JSON, HTML).", DefaultValueFactory = _ => Path.Combine(Environment.CurrentDirectory, scenario + "-report") };
        Seed = new Option<int>("--seed") { Description = "Seed of the run (SMSIDs, arrival jitter).", DefaultValueFactory = static _ => 1 };
    }

    public Option<string> Profile { get; }

    public Option<int> Instances { get; }

    public Option<string?>? Topology { get; }

    public Option<string> Output { get; }

    public Option<int> Seed { get; }

    public static ScenarioOptions Create(string scenario, bool attachable = true) => new(scenario, attachable);

    public void AddTo(Command command)
    {
        command.Options.Add(Profile);
        command.Options.Add(Instances);
        if (Topology is not null)
        {
            command.Options.Add(Topology);
        }

        command.Options.Add(Output);
        command.Options.Add(Seed);
    }

    /// <summary>The VM size named by <c>--profile</c>, or null after printing the usage error.</summary>
    public static async Task<VmSizeProfile?> GetProfileAsync(string? name)
    {
        if (name is not null && VmSizeProfiles.TryGet(name, out var size))
        {
            return size;
        }

        await Console.Error.WriteLineAsync($"--profile must be one of {string.Join(", ", VmSizeProfiles.Names)}.");
        return null;
    }

    public static async Task<int> UsageAsync(string message)
    {
        await Console.Error.WriteLineAsync("error: " + message);
        return ExitCodes.Usage;
    }
}

/// <summary>The settings every CMG scenario has: VM size and instances of the lab, report folder, seed, progress.</summary>
internal abstract record ScenarioSettings
{
    public required VmSizeProfile Profile { get; init; }

    public int Instances { get; init; } = 1;

    public required string ReportFolder { get; init; }

    public int Seed { get; init; } = 1;

    public ProgressMode Progress { get; init; } = ProgressMode.Auto;

    protected string? ValidateInstances() => Instances is < 1 or > 16 ? "--instances must be 1-16." : null;
}

/// <summary>Maps what a client flow threw to a step result, keeping the HTTP status when there was one.</summary>
internal static class ScenarioFailures
{
    public static StepResult From(Exception exception, CancellationToken runToken)
    {
        if (exception is OperationCanceledException && runToken.IsCancellationRequested)
        {
            // The run's hard stop: the engine counts the invocation as interrupted.
            ExceptionDispatchInfo.Throw(exception);
        }

        return exception switch
        {
            HttpRequestException { StatusCode: { } status } http => StepResult.Fail((int)status, $"HTTP {(int)status}", http.Message),
            HttpRequestException or OperationCanceledException or IOException => StepResult.Fail(0, HttpStep.ErrorKind(exception), exception.Message),
            _ => StepResult.Fail(0, exception.GetType().Name, exception.Message),
        };
    }
}
