using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using CmgSim.Core.Topology;

namespace CmgSim.FunctionalTests;

/// <summary>The <c>cmgsim</c> command as a user runs it: a real process, real ports, real signals.</summary>
public sealed class CliTests
{
    private static readonly string Cmgsim = Path.Combine(AppContext.BaseDirectory, "cmgsim.dll");

    [Fact]
    public async Task Up_ThenClientRun_ThenSigterm_RunsTheWholeLifeAndStopsCleanly()
    {
        var lab = TestLab.NewLabDirectory();
        using var up = Start("up", "--lab-dir", lab, "--public-port", "0", "--channel-port-base", "0", "--entra-port", "0");
        var output = new StringBuilder();
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        up.OutputDataReceived += (_, e) =>
        {
            lock (output)
            {
                output.AppendLine(e.Data);
            }

            if (e.Data?.StartsWith("CmgSim ready: https://127.0.0.1:", StringComparison.Ordinal) == true)
            {
                ready.TrySetResult();
            }
        };
        up.BeginOutputReadLine();
        up.BeginErrorReadLine();
        try
        {
            await ready.Task.WaitAsync(TimeSpan.FromSeconds(60));
            var topology = await TopologyDocument.LoadAsync(Path.Combine(lab, "topology.json"));
            Assert.StartsWith("https://127.0.0.1:", topology.PublicUrl);

            var (clientExit, clientOutput) = await RunAsync("client", "run", "--lab-dir", lab);

            Assert.True(clientExit == 0, clientOutput);
            // The step count follows the SUP catalog (SyncUpdates pages); every one of them must succeed.
            Assert.Matches(@"All \d+ steps succeeded\.", clientOutput);
            Assert.Contains("Register ", clientOutput);
            Assert.True(File.Exists(Path.Combine(lab, "logs", "SMS_Cloud_ProxyConnector.log")));

            // --verbose: every exchange with its headers and decoded bodies (the CCM_POST envelope unpacked).
            var (verboseExit, verboseOutput) = await RunAsync("client", "run", "--lab-dir", lab, "--client", "2", "--verbose");
            Assert.True(verboseExit == 0, verboseOutput);
            Assert.Contains("GET https://", verboseOutput);
            Assert.Contains("CCM_POST https://", verboseOutput);
            Assert.Contains("<MPList>", verboseOutput);
            Assert.Contains("<!-- Msg header -->", verboseOutput);
            Assert.Contains("ClientRegistrationRequest", verboseOutput);
            Assert.Contains("  < 200", verboseOutput);

            // The token methods: an Entra-joined device, and a bulk-token install (the token made on the fly).
            var (entraExit, entraOutput) = await RunAsync("client", "run", "--lab-dir", lab, "--auth", "entra");
            Assert.True(entraExit == 0, entraOutput);
            Assert.Contains("(Entra) through", entraOutput);
            Assert.Contains("Entra device token", entraOutput);
            Assert.Contains("/CCM_Proxy_ServerAuth/", entraOutput);
            var (tokenExit, tokenOutput) = await RunAsync("client", "run", "--lab-dir", lab, "--auth", "token", "--client", "3");
            Assert.True(tokenExit == 0, tokenOutput);
            Assert.Contains("New bulk registration token", tokenOutput);
            Assert.Equal(2, Regex.Count(tokenOutput, "^CCM_STS ", RegexOptions.Multiline));

            using (var kill = Process.Start("kill", ["-TERM", up.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            await up.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(0, up.ExitCode);
            lock (output)
            {
                Assert.Contains("Stopped.", output.ToString());
            }
        }
        finally
        {
            if (!up.HasExited)
            {
                up.Kill(entireProcessTree: true);
            }

            TryDelete(lab);
        }
    }

    [Fact]
    public async Task Up_WithInvalidOptions_ListsEveryProblemAndExits2()
    {
        var (exit, output) = await RunAsync("up", "--lab-dir", TestLab.NewLabDirectory(), "--instances", "17", "--site-code", "TOOLONG", "--connection-points", "0");

        Assert.Equal(2, exit);
        Assert.Contains("Instances is 17", output);
        Assert.Contains("SiteCode 'TOOLONG'", output);
        Assert.Contains("ConnectionPoints is 0", output);
    }

    [Fact]
    public async Task ClientRun_WithoutATopology_SaysHowToStartOneAndExits2()
    {
        var (exit, output) = await RunAsync("client", "run", "--lab-dir", TestLab.NewLabDirectory());

        Assert.Equal(2, exit);
        Assert.Contains("cmgsim up", output);
    }

    private static Process Start(params string[] arguments)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Cmgsim);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        return Process.Start(info)!;
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(params string[] arguments)
    {
        using var process = Start(arguments);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return (process.ExitCode, await stdout + await stderr);
    }

    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
