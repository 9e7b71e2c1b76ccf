using CmgSim.LoadTests.Engine;
using CmgSim.LoadTests.Engine.Progress;

namespace CmgSim.LoadTests.Tests.Engine;

/// <summary>A runner without console output or report files.</summary>
internal static class Quiet
{
    public static LoadRunner Runner() => LoadRunner.Create().WithProgress(ProgressMode.None).WithoutReports();

    public static ValueTask<StepResult> Ok(int status = 200, long bytes = 0) => new(StepResult.Ok(status, bytes));

    public static async ValueTask<StepResult> DelayedOk(ScenarioContext ctx, TimeSpan delay, int status = 200)
    {
        await Task.Delay(delay, ctx.TimeProvider, ctx.CancellationToken);
        return StepResult.Ok(status);
    }
}
