using System.CommandLine;
using System.Net;
using CmgSim.Core.Topology;
using CmgSim.LoadTests.Engine;

namespace CmgSim.LoadTests.Scenarios;

/// <summary>
/// <c>hold</c>: opens N client connections to the CMG of a running topology (HTTP/2, one MPLIST request each, as
/// PKI, Entra or bulk-token clients), holds them idle for a while, and closes them — so the server's memory per
/// held client connection can be read off its process (benchmarks/run.sh memory).
/// </summary>
internal static class HoldConnectionsCommand
{
    public static Command Create()
    {
        var topology = new Option<string>("--topology") { Description = "Lab folder of the running topology.", Required = true };
        var connections = new Option<int>("--connections") { Description = "Client connections to open.", DefaultValueFactory = static _ => 1000 };
        var seconds = new Option<int>("--hold-seconds") { Description = "How long to hold them once all are open.", DefaultValueFactory = static _ => 20 };
        var auth = LoadClientOptions.Auth();
        var bulkToken = LoadClientOptions.BulkToken();
        var sourceAddresses = LoadClientOptions.SourceAddresses();
        var command = new Command("hold", "Open N client connections to a running CMG, one request each, and hold them idle (server memory per connection).")
        {
            topology, connections, seconds, auth, bulkToken, sourceAddresses,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var labDirectory = parseResult.GetValue(topology)!;
            var document = await TopologyDocument.LoadAsync(Path.Combine(labDirectory, "topology.json"), cancellationToken);
            var publicUrl = new Uri(document.PublicUrl);
            if (!IPAddress.TryParse(publicUrl.Host.Trim('[', ']'), out var address) || !LoopbackGuard.IsLoopback(address))
            {
                await Console.Error.WriteLineAsync($"{publicUrl} is not a loopback address.");
                return ExitCodes.Usage;
            }

            using var factory = new LoadClientFactory(document, TimeProvider.System)
            {
                Auth = parseResult.GetValue(auth),
                BulkToken = parseResult.GetValue(bulkToken),
                LabDirectory = labDirectory,
                SourceAddresses = parseResult.GetValue(sourceAddresses),
            };
            var count = parseResult.GetValue(connections);
            var clients = new List<LoadClient>(count);
            var failed = 0;
            string? firstFailure = null;
            try
            {
                using var gate = new SemaphoreSlim(64);
                var opening = Enumerable.Range(0, count).Select(async number =>
                {
                    await gate.WaitAsync(cancellationToken);
                    try
                    {
                        var client = factory.Create(number, Guid.NewGuid(), TimeProvider.System);
                        lock (clients)
                        {
                            clients.Add(client);
                        }

                        var status = await client.RequestMpListAsync(cancellationToken);
                        if (status != HttpStatusCode.OK)
                        {
                            Interlocked.Increment(ref failed);
                            Interlocked.CompareExchange(ref firstFailure, $"HTTP {(int)status}", null);
                        }
                    }
                    catch (Exception e) when (e is HttpRequestException or InvalidOperationException)
                    {
                        Interlocked.Increment(ref failed);
                        Interlocked.CompareExchange(ref firstFailure, e.Message, null);
                    }
                    finally
                    {
                        gate.Release();
                    }
                });
                await Task.WhenAll(opening);
                Console.WriteLine($"holding {clients.Count - failed} connections ({factory.Auth}, {factory.SourceAddresses} source address(es); {failed} failed{(firstFailure is null ? string.Empty : ", first: " + firstFailure)}) for {parseResult.GetValue(seconds)} s");
                await Task.Delay(TimeSpan.FromSeconds(parseResult.GetValue(seconds)), TimeProvider.System, cancellationToken);
            }
            finally
            {
                await Task.WhenAll(clients.Select(static c => c.DisposeAsync().AsTask()));
            }

            Console.WriteLine("released");
            return failed == 0 ? ExitCodes.Passed : ExitCodes.Error;
        });
        return command;
    }
}
