using System.CommandLine;
using System.Globalization;
using CmgSim.Client;
using CmgSim.Client.Diagnostics;
using CmgSim.Client.TokenAuthentication;
using CmgSim.Core;
using CmgSim.Core.Topology;

namespace CmgSim.Cli.Commands;

/// <summary><c>cmgsim client run</c>: one simulated client through the CMG, step by step.</summary>
internal static class ClientCommand
{
    public static Command Create()
    {
        var labDirectory = CommonOptions.LabDirectory();
        var clientNumber = new Option<int>("--client") { Description = "Which lab client certificate to use (1-based).", DefaultValueFactory = static _ => 1 };
        var auth = new Option<ClientAuthChoice>("--auth") { Description = "How the client authenticates to the CMG.", DefaultValueFactory = static _ => ClientAuthChoice.Pki };
        var direct = new Option<bool>("--direct") { Description = "Run as an intranet client: straight to the MP and SUP, not through the CMG." };
        var bulkToken = new Option<string?>("--bulk-token") { Description = "With --auth token: the bulk registration token to install with (ccmsetup /regtoken). Default: a new one from the lab's site, as 'cmgsim token new' makes." };
        var verbose = new Option<bool>("--verbose") { Description = "Also print each step's detail (what the reply held, or why it failed)." };
        var run = new Command("run", "Runs one client's whole life through the CMG of a running 'cmgsim up': location, registration, policy (incl. the NAA), notification, hardware inventory, state messages, WSUS scan and update compliance. Exit code 0 only if every step succeeded.")
        {
            labDirectory, clientNumber, auth, bulkToken, verbose, direct,
        };
        run.SetAction(async (parseResult, cancellationToken) =>
        {
            var layout = new LabLayout(parseResult.GetValue(labDirectory)!.FullName);
            if (!File.Exists(layout.TopologyFile))
            {
                await Console.Error.WriteLineAsync($"No topology at {layout.TopologyFile}. Start one with 'cmgsim up --lab-dir {layout.Root}'.");
                return 2;
            }

            var topology = await TopologyDocument.LoadAsync(layout.TopologyFile, cancellationToken);
            var method = parseResult.GetValue(auth) switch
            {
                ClientAuthChoice.Entra => ClientAuthMethod.Entra,
                ClientAuthChoice.Token => ClientAuthMethod.Token,
                _ => ClientAuthMethod.Pki,
            };
            if (method == ClientAuthMethod.Entra && topology.Entra is null)
            {
                await Console.Error.WriteLineAsync("--auth entra: this CMG has no Microsoft Entra tenant onboarded (topology.json has no 'entra').");
                return 2;
            }

            if (method == ClientAuthMethod.Token && topology.SiteTokens is null)
            {
                await Console.Error.WriteLineAsync("--auth token: this site issues no tokens (topology.json has no 'siteTokens').");
                return 2;
            }

            var index = parseResult.GetValue(clientNumber) - 1;
            if (index < 0 || index >= topology.Pki.Clients.Count)
            {
                await Console.Error.WriteLineAsync($"--client must be between 1 and {topology.Pki.Clients.Count}.");
                return 2;
            }

            var exchanges = parseResult.GetValue(verbose) ? new HttpExchangeLog() : null;
            var intranet = parseResult.GetValue(direct);
            string? registrationToken = null;
            if (method == ClientAuthMethod.Token)
            {
                registrationToken = parseResult.GetValue(bulkToken);
                if (registrationToken is null)
                {
                    var created = TokenCommand.CreateBulkToken(layout, topology.SiteCode);
                    Console.WriteLine($"New bulk registration token {created.TokenId}, valid to {created.ValidTo.UtcDateTime:u}.");
                    registrationToken = created.Jwt;
                }
            }

            using var session = TopologyClientFactory.Create(topology, index, TimeProvider.System, exchangeLog: exchanges, direct: intranet, auth: method, bulkRegistrationToken: registrationToken);
            Console.WriteLine(intranet
                ? $"Client {topology.Pki.Clients[index].Name} ({method}) on the intranet, directly to {session.ManagementPointBaseUrl}"
                : $"Client {topology.Pki.Clients[index].Name} ({method}) through {topology.PublicUrl} ({topology.ServiceName})");
            await using var life = new ClientLife(session, topology.Pki.Clients[index].Name, TimeProvider.System);
            var steps = await life.RunAsync(cancellationToken);
            PrintSteps(steps, parseResult.GetValue(verbose));
            if (exchanges is not null)
            {
                PrintExchanges(exchanges);
            }

            return steps.All(static s => s.Succeeded) ? 0 : 1;
        });
        return new Command("client", "Simulated client commands.") { run };
    }

    /// <summary>--verbose: every request and response, headers and decoded bodies, in the order they happened.</summary>
    private static void PrintExchanges(HttpExchangeLog log)
    {
        var number = 0;
        foreach (var exchange in log.Exchanges)
        {
            Console.WriteLine();
            Console.WriteLine($"#{++number} {exchange.Method} {exchange.Url}");
            foreach (var header in exchange.RequestHeaders)
            {
                Console.WriteLine($"  > {header}");
            }

            Console.WriteLine(Indent(exchange.RequestBody, "  > "));
            Console.WriteLine($"  < {(exchange.StatusCode?.ToString(CultureInfo.InvariantCulture) ?? "no response")}");
            foreach (var header in exchange.ResponseHeaders)
            {
                Console.WriteLine($"  < {header}");
            }

            Console.WriteLine(Indent(exchange.ResponseBody, "  < "));
        }
    }

    private static string Indent(string text, string prefix) =>
        string.Join(Environment.NewLine, text.Split('\n').Select(line => prefix + line.TrimEnd('\r')));

    private static void PrintSteps(IReadOnlyList<ClientStepResult> steps, bool verbose)
    {
        // The endpoint is the widest column, so it is padded to the longest one present.
        var endpointWidth = Math.Max("ENDPOINT".Length, steps.Max(static s => s.Endpoint.Length));
        var format = "{0,-28} {1,-" + endpointWidth.ToString(CultureInfo.InvariantCulture) + "} {2,-6} {3,10}";
        Console.WriteLine(string.Format(CultureInfo.InvariantCulture, format, "STEP", "ENDPOINT", "STATUS", "ELAPSED"));
        foreach (var step in steps)
        {
            var status = step.Status?.ToString(CultureInfo.InvariantCulture) ?? "-";
            Console.WriteLine(string.Format(CultureInfo.InvariantCulture, format, step.Step, step.Endpoint, status, $"{step.Elapsed.TotalMilliseconds:F1} ms"));
            if (!step.Succeeded)
            {
                Console.WriteLine($"  FAILED: {step.Detail}");
            }
            else if (verbose)
            {
                Console.WriteLine($"  {step.Detail}");
            }
        }

        var failed = steps.Count(static s => !s.Succeeded);
        Console.WriteLine(failed == 0 ? $"All {steps.Count} steps succeeded." : $"{failed} of {steps.Count} steps failed.");
    }
}

internal enum ClientAuthChoice
{
    Pki,
    Entra,
    Token,
}
