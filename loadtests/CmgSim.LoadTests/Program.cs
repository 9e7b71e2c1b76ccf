using System.CommandLine;
using System.Security.Cryptography;

namespace CmgSim.LoadTests;

internal static class Program
{
    public const int UsageError = Engine.ExitCodes.Usage;

    public static async Task<int> Main(string[] args)
    {
        var root = new RootCommand("CmgSim load tests: the load engine's HTTP bench against loopback targets.");
        root.Subcommands.Add(CreateCommand(
            "compare",
            "Run several targets one after another with identical settings and compare them to the first.",
            single: false));
        root.Subcommands.Add(CreateCommand("single", "Run one URL.", single: true));
        root.Subcommands.Add(OverheadCommand.Create());
        root.Subcommands.Add(Scenarios.VmLimitScenario.Create());
        root.Subcommands.Add(Scenarios.PolicyStormScenario.Create());
        root.Subcommands.Add(Scenarios.PatchTuesdayScenario.Create());
        root.Subcommands.Add(Scenarios.CpFailoverScenario.Create());
        root.Subcommands.Add(Scenarios.HoldConnectionsCommand.Create());

        var parseResult = root.Parse(args);
        if (parseResult.Errors.Count > 0)
        {
            foreach (var error in parseResult.Errors)
            {
                await Console.Error.WriteLineAsync($"error: {error.Message}");
            }

            await Console.Error.WriteLineAsync("Run with --help for usage.");
            return UsageError;
        }

        return await parseResult.InvokeAsync();
    }

    private static Command CreateCommand(string name, string description, bool single)
    {
        var command = new Command(name, description);
        var targets = new Option<string[]>("--target")
        {
            Description = "name=URL of a target; repeat it. The first is the baseline of the ratios.",
            Arity = ArgumentArity.OneOrMore,
            Required = !single,
        };
        var url = new Option<string>("--url") { Description = "The URL to load (same as --target).", Required = false };
        var ca = new Option<string?>("--ca") { Description = "PEM file with the root(s) that server certificates must chain to." };
        var cert = new Option<string?>("--cert") { Description = "PEM client certificate (followed by its chain, if any)." };
        var key = new Option<string?>("--key") { Description = "PEM private key of --cert (omit if the key is in the --cert file)." };
        var resolve = new Option<string[]>("--resolve") { Description = "host:port:address, like curl; the address must be loopback.", Arity = ArgumentArity.ZeroOrMore };
        var connections = new Option<int>("--connections") { Description = "Concurrent workers, and connections per target.", DefaultValueFactory = _ => 16 };
        var duration = DurationOption("--duration", "Measured time, e.g. 10s.", TimeSpan.FromSeconds(10));
        var warmup = DurationOption("--warmup", "Warm-up before measuring, excluded from the statistics.", TimeSpan.FromSeconds(2));
        var timeout = DurationOption("--timeout", "Per-request timeout.", TimeSpan.FromSeconds(10));
        var http2 = new Option<bool>("--http2") { Description = "Use HTTP/2 (h2 via ALPN for https, prior knowledge for http)." };
        var output = new Option<string?>("--out") { Description = "Folder for report.json and report.md." };

        if (single)
        {
            command.Options.Add(url);
        }

        foreach (var option in new Option[] { targets, ca, cert, key, resolve, connections, duration, warmup, timeout, http2, output })
        {
            command.Options.Add(option);
        }

        command.Validators.Add(result =>
        {
            var count = (result.GetValue(targets)?.Length ?? 0) + (result.GetValue(url) is null ? 0 : 1);
            if (single && count != 1)
            {
                result.AddError("single takes exactly one --url or --target.");
            }

            // Defaults are not applied yet inside validators, so ranges are checked in RunAsync.
            if (result.GetValue(key) is not null && result.GetValue(cert) is null)
            {
                result.AddError("--key needs --cert.");
            }
        });

        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var request = new RunRequest(
                [.. parseResult.GetValue(targets) ?? [], .. parseResult.GetValue(url) is { } u ? [u] : Array.Empty<string>()],
                parseResult.GetValue(resolve) ?? [],
                parseResult.GetValue(ca),
                parseResult.GetValue(cert),
                parseResult.GetValue(key),
                new ClosedLoadProfile(
                    parseResult.GetValue(connections),
                    parseResult.GetValue(warmup),
                    parseResult.GetValue(duration),
                    parseResult.GetValue(timeout),
                    parseResult.GetValue(http2)),
                parseResult.GetValue(output));
            return await RunAsync(request, cancellationToken);
        });
        return command;
    }

    private static Option<TimeSpan> DurationOption(string name, string description, TimeSpan defaultValue) => new(name)
    {
        Description = description + " Units ms, s, m, h.",
        DefaultValueFactory = _ => defaultValue,
        CustomParser = result =>
        {
            var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
            if (ArgumentParsers.TryParseDuration(text, out var value))
            {
                return value;
            }

            result.AddError($"{name} '{text}' is not a duration such as 500ms, 10s or 2m.");
            return default;
        },
    };

    private static async Task<int> RunAsync(RunRequest request, CancellationToken cancellationToken)
    {
        if (request.Profile.Workers < 1 || request.Profile.Duration <= TimeSpan.Zero || request.Profile.RequestTimeout <= TimeSpan.Zero)
        {
            return await FailAsync("--connections must be at least 1; --duration and --timeout must be positive.");
        }

        var targets = new List<LoadTarget>();
        foreach (var text in request.Targets)
        {
            if (!ArgumentParsers.TryParseTarget(text, out var target, out var error))
            {
                return await FailAsync(error);
            }

            if (targets.Any(t => t.Name == target.Name))
            {
                return await FailAsync($"target name '{target.Name}' is used twice.");
            }

            targets.Add(target);
        }

        if (!ResolveMap.TryParse(request.Resolve, out var resolve, out var resolveError))
        {
            return await FailAsync(resolveError);
        }

        foreach (var target in targets)
        {
            if (await LoopbackGuard.CheckAsync(target.Url, resolve, cancellationToken) is { } refusal)
            {
                return await FailAsync($"refusing target '{target.Name}': {refusal}");
            }
        }

        TlsMaterial tls;
        try
        {
            tls = TlsMaterial.Load(request.CaFile, request.CertFile, request.KeyFile);
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException)
        {
            return await FailAsync($"cannot load certificates: {ex.Message}");
        }

        using (tls)
        {
            var time = TimeProvider.System;
            var profile = request.Profile;
            var settings = new RunSettings(
                "closed model",
                profile.Workers,
                profile.WarmUp.TotalSeconds,
                profile.Duration.TotalSeconds,
                profile.RequestTimeout.TotalSeconds,
                profile.Http2 ? "HTTP/2 (workers share multiplexed connections; more open only past the server's stream limit)" : "HTTP/1.1",
                request.CaFile,
                request.CertFile,
                request.Resolve);
            var startedUtc = time.GetUtcNow();
            Console.WriteLine(BenchReport.Describe(settings));

            var results = new List<TargetResult>();
            foreach (var target in targets)
            {
                Console.WriteLine($"Running {target.Name} ({target.Url}) ...");
                using var invoker = new HttpMessageInvoker(HandlerFactory.Create(profile, tls, resolve), disposeHandler: true);
                var engineReports = request.OutputDirectory is { } output ? Path.Combine(output, "targets", SafeName(target.Name)) : null;
                try
                {
                    results.Add(await TargetBench.RunAsync(target, profile, invoker, engineReports, cancellationToken));
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    await Console.Error.WriteLineAsync("Cancelled.");
                    return 130;
                }
            }

            var report = new RunReport(startedUtc, settings, results, [.. results.Skip(1).Select(r => TargetRatio.Of(results[0], r))]);
            Console.WriteLine();
            Console.Write(BenchReport.ConsoleText(report));

            if (request.OutputDirectory is { } folder)
            {
                Directory.CreateDirectory(folder);
                await File.WriteAllTextAsync(Path.Combine(folder, "report.json"), BenchReport.Json(report), cancellationToken);
                await File.WriteAllTextAsync(Path.Combine(folder, "report.md"), BenchReport.Markdown(report), cancellationToken);
                Console.WriteLine($"Reports written to {Path.GetFullPath(folder)} (engine reports per target under targets/)");
            }

            return 0;
        }
    }

    private static string SafeName(string name) =>
        string.Concat(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_'));

    private static async Task<int> FailAsync(string message)
    {
        await Console.Error.WriteLineAsync($"error: {message}");
        return UsageError;
    }

    private sealed record RunRequest(
        IReadOnlyList<string> Targets,
        IReadOnlyList<string> Resolve,
        string? CaFile,
        string? CertFile,
        string? KeyFile,
        ClosedLoadProfile Profile,
        string? OutputDirectory);
}
