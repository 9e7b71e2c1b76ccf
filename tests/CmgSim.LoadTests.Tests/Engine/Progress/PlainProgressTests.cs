using CmgSim.LoadTests.Engine;
using CmgSim.LoadTests.Engine.Progress;

namespace CmgSim.LoadTests.Tests.Engine.Progress;

[Collection(RealTimeGroup.Name)]
public sealed class PlainProgressTests
{
    [Fact]
    public async Task Redirected_output_gets_plain_progress_lines_and_the_summary()
    {
        using var output = new StringWriter();
        var scenario = LoadScenario.Create("plain", ctx => ctx.Step("s", () => Quiet.DelayedOk(ctx, TimeSpan.FromMilliseconds(5))).AsTask())
            .WithLoadSimulations(LoadSimulation.KeepConstant(1, TimeSpan.FromMilliseconds(1000)));

        // Auto with an explicit writer never tries the live table.
        var result = await LoadRunner.Create()
            .WithTitle("plain progress")
            .WithProgress(ProgressMode.Auto, output, plainInterval: TimeSpan.FromMilliseconds(200))
            .WithWindow(TimeSpan.FromMilliseconds(200))
            .WithoutReports()
            .AddScenario(scenario)
            .RunAsync();

        var text = output.ToString();
        Assert.Equal(ExitCodes.Passed, result.ExitCode);
        Assert.StartsWith("plain progress", text, StringComparison.Ordinal);
        Assert.Matches(@"\[ +\d+\.\ds\] plain (running|draining|done) copies=\d rps=", text);
        Assert.Contains("plain     (iteration)", text, StringComparison.Ordinal);
        Assert.Contains("Passed (exit code 0)", text, StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b[", text, StringComparison.Ordinal);
    }
}
