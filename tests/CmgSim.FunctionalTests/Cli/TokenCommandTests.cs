using System.Diagnostics;
using System.Text.RegularExpressions;
using CmgSim.Core;
using CmgSim.Identity.SiteTokens;
using CmgSim.Identity.Tokens;
using Microsoft.Data.Sqlite;

namespace CmgSim.FunctionalTests.Cli;

/// <summary><c>cmgsim token</c> as an administrator runs it: a real process against a lab folder.</summary>
public sealed partial class TokenCommandTests
{
    private static readonly string Cmgsim = Path.Combine(AppContext.BaseDirectory, "cmgsim.dll");

    [Fact]
    public async Task New_list_block_unblock_round_trip()
    {
        var lab = TestLab.NewLabDirectory();
        try
        {
            var (newExit, newOutput) = await RunAsync("token", "new", "--lab-dir", lab, "--lifetime", "60");
            Assert.True(newExit == 0, newOutput);
            var id = Guid.Parse(TokenGuid().Match(newOutput).Groups[1].Value);
            Assert.Matches(@"valid from \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ to \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ \(UTC\)", newOutput);
            var jwt = newOutput.TrimEnd().Split('\n')[^1].Trim();
            Assert.Equal(3, jwt.Split('.').Length);

            // The printed token is one the lab's validators accept: same signing certificate and hierarchy.
            var layout = new LabLayout(lab);
            using var certificate = SiteTokenSigningCertificate.LoadOrCreate(layout.PkiDirectory, "PS1", TimeProvider.System);
            var store = new BulkRegistrationTokenStore(layout.SiteDatabase, TimeProvider.System);
            var validator = new BearerTokenValidator(
                new BearerTokenValidatorOptions
                {
                    SiteTokenSigningCertificate = certificate,
                    HierarchyId = SiteHierarchy.LoadOrCreateId(layout.PkiDirectory),
                    BlockList = new CachedBulkTokenBlockList(store, TimeProvider.System) { RefreshInterval = TimeSpan.Zero },
                },
                TimeProvider.System);
            var valid = await validator.ValidateAsync(jwt, CancellationToken.None);
            Assert.True(valid.IsValid, valid.Detail);
            Assert.Equal(id, valid.TokenId);

            var (listExit, listOutput) = await RunAsync("token", "list", "--lab-dir", lab);
            Assert.Equal(0, listExit);
            Assert.Matches($@"{id}\s+\S+ \S+\s+\S+ \S+\s+Active", listOutput);

            var (blockExit, blockOutput) = await RunAsync("token", "block", id.ToString(), "--lab-dir", lab);
            Assert.True(blockExit == 0, blockOutput);
            var (_, blockedList) = await RunAsync("token", "list", "--lab-dir", lab);
            Assert.Matches($@"{id}\s+\S+ \S+\s+\S+ \S+\s+Blocked", blockedList);
            Assert.Equal(TokenRejectReason.Blocked, (await validator.ValidateAsync(jwt, CancellationToken.None)).Reason);

            var (unblockExit, _) = await RunAsync("token", "unblock", id.ToString(), "--lab-dir", lab);
            Assert.Equal(0, unblockExit);
            var (_, unblockedList) = await RunAsync("token", "list", "--lab-dir", lab);
            Assert.Matches($@"{id}\s+\S+ \S+\s+\S+ \S+\s+Active", unblockedList);
            Assert.True((await validator.ValidateAsync(jwt, CancellationToken.None)).IsValid);

            var unknown = Guid.NewGuid();
            var (unknownExit, unknownOutput) = await RunAsync("token", "block", unknown.ToString(), "--lab-dir", lab);
            Assert.Equal(1, unknownExit);
            Assert.Contains($"no bulk registration token {unknown}", unknownOutput);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            TryDelete(lab);
        }
    }

    [Theory]
    [InlineData("20000")]
    [InlineData("0")]
    public async Task New_with_a_lifetime_outside_1_to_10080_minutes_exits_2(string lifetime)
    {
        var lab = TestLab.NewLabDirectory();
        try
        {
            var (exit, output) = await RunAsync("token", "new", "--lab-dir", lab, "--lifetime", lifetime);

            Assert.Equal(2, exit);
            Assert.Contains("1 to 10080 minutes", output);
            Assert.False(File.Exists(new LabLayout(lab).SiteDatabase));
        }
        finally
        {
            TryDelete(lab);
        }
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(params string[] arguments)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Cmgsim);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
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

    [GeneratedRegex(@"Token GUID: ([0-9a-fA-F-]{36})")]
    private static partial Regex TokenGuid();
}
