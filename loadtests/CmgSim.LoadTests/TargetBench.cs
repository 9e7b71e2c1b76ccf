using System.Collections.Concurrent;
using CmgSim.Core.Errors;
using CmgSim.LoadTests.Engine;
using CmgSim.LoadTests.Engine.Progress;

namespace CmgSim.LoadTests;

/// <summary>
/// The <c>compare</c>/<c>single</c> bench on the load engine: one scenario per target, <c>KeepConstant(connections,
/// duration)</c> after the warm-up, one <c>GET</c> step. Graceful stop is zero, so requests still in flight at the end are
/// cancelled and reported as cut, not counted, exactly as before the engine.
/// </summary>
internal static class TargetBench
{
    public const string StepName = "GET";

    public static async Task<TargetResult> RunAsync(
        LoadTarget target,
        ClosedLoadProfile profile,
        HttpMessageInvoker invoker,
        string? engineReportFolder,
        CancellationToken cancellationToken)
    {
        var tally = new ResponseTally();
        var scenario = LoadScenario
            .Create(target.Name, ctx => ctx.Step(StepName, () => GetAsync(ctx, target, profile, invoker, tally)).AsTask())
            .WithWarmUpDuration(profile.WarmUp)
            .WithLoadSimulations(LoadSimulation.KeepConstant(profile.Workers, profile.Duration))
            .WithGracefulStop(TimeSpan.Zero);
        var runner = LoadRunner.Create()
            .WithTitle($"CmgSim bench: {target.Name}")
            .AddScenario(scenario)
            .WithProgress(ProgressMode.None);
        runner = engineReportFolder is null ? runner.WithoutReports() : runner.WithReportFolder(engineReportFolder);
        var result = await runner.RunAsync(cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();

        var run = result.GetScenario(target.Name);
        var stats = run.GetStep(StepName) ?? StepStats.Empty(target.Name, StepName, profile.Duration.TotalSeconds);
        long ByClass(int hundreds) => stats.StatusCodes.Where(s => s.Key / 100 == hundreds).Sum(s => s.Value);
        var responses = stats.StatusCodes.Values.Sum();
        var transportErrors = tally.ErrorKinds.Values.Sum();
        var requests = stats.Count;
        var s2 = ByClass(2);
        var s4 = ByClass(4);
        var s5 = ByClass(5);
        return new TargetResult(
            target.Name,
            target.Url,
            profile.Duration,
            requests,
            requests / profile.Duration.TotalSeconds,
            LatencySummary.From(stats.Latency),
            s2,
            s4,
            s5,
            responses - s2 - s4 - s5,
            transportErrors,
            stats.Bytes,
            new SortedDictionary<int, long>(stats.StatusCodes.ToDictionary()),
            Sorted(tally.ErrorKinds),
            Sorted(tally.CmgSimErrors),
            Sorted(tally.HttpVersions),
            run.Interrupted);
    }

    private static async ValueTask<StepResult> GetAsync(
        ScenarioContext ctx,
        LoadTarget target,
        ClosedLoadProfile profile,
        HttpMessageInvoker invoker,
        ResponseTally tally)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ctx.CancellationToken);
        timeout.CancelAfter(profile.RequestTimeout);
        try
        {
            using var request = target.CreateRequest(profile.HttpVersion);
            using var response = await invoker.SendAsync(request, timeout.Token);
            var bytes = await HttpStep.DrainAsync(response, timeout.Token);
            if (!ctx.IsWarmUp)
            {
                ResponseTally.Add(tally.HttpVersions, VersionName(response.Version));
                if (response.Headers.TryGetValues(CmgErrorInfo.ErrorCodeHeader, out var values))
                {
                    foreach (var value in values)
                    {
                        ResponseTally.Add(tally.CmgSimErrors, value);
                    }
                }
            }

            // The bench times every response, whatever its status: status classes are reported separately.
            return new StepResult(true, (int)response.StatusCode, bytes, null, null);
        }
        catch (OperationCanceledException) when (ctx.CancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException)
        {
            var kind = HttpStep.ErrorKind(ex);
            if (!ctx.IsWarmUp)
            {
                ResponseTally.Add(tally.ErrorKinds, kind);
            }

            return StepResult.Fail(errorCode: kind, message: ex.Message);
        }
    }

    private static string VersionName(Version version) => (version.Major, version.Minor) switch
    {
        (1, 0) => "HTTP/1.0",
        (1, 1) => "HTTP/1.1",
        (2, _) => "HTTP/2",
        (3, _) => "HTTP/3",
        _ => version.ToString(),
    };

    private static SortedDictionary<string, long> Sorted(ConcurrentDictionary<string, long> counts) =>
        new(counts.ToDictionary(), StringComparer.Ordinal);

    private sealed class ResponseTally
    {
        public ConcurrentDictionary<string, long> ErrorKinds { get; } = new(StringComparer.Ordinal);

        public ConcurrentDictionary<string, long> CmgSimErrors { get; } = new(StringComparer.Ordinal);

        public ConcurrentDictionary<string, long> HttpVersions { get; } = new(StringComparer.Ordinal);

        public static void Add(ConcurrentDictionary<string, long> counts, string key) => counts.AddOrUpdate(key, 1, static (_, n) => n + 1);
    }
}
