using System.Diagnostics;

namespace CmgSim.FunctionalTests.Capacity;

/// <summary><c>cmgsim up --vm-size</c> as a user types it: a real process.</summary>
public sealed class VmSizeOptionTests
{
    private static readonly string Cmgsim = Path.Combine(AppContext.BaseDirectory, "cmgsim.dll");

    [Fact]
    public async Task Up_WithAnUnknownVmSizeAndABadBudget_ListsTheValidSizesAndExits2()
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { Cmgsim, "up", "--lab-dir", TestLab.NewLabDirectory(), "--vm-size", "huge", "--cp-port-budget", "0", "--instances", "17" })
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        var output = await stdout + await stderr;

        Assert.Equal(2, process.ExitCode);
        Assert.Contains("VM size 'huge' is not one of the CMG's VM sizes: lab, standard, large, vmss-2103, classic.", output, StringComparison.Ordinal);
        Assert.Contains("SiteRolePortBudget is 0", output, StringComparison.Ordinal);
        Assert.Contains("Instances is 17", output, StringComparison.Ordinal);
    }
}
