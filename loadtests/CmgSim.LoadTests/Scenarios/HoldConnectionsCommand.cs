using System.CommandLine;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using CmgSim.Client;
using CmgSim.Core.Topology;
using CmgSim.LoadTests.Engine;

namespace CmgSim.LoadTests.Scenarios;

/// <summary>
/// <c>hold</c>: opens N client connections to the CMG of a running topology (HTTP/2, a lab client certificate,
/// one request each), holds them idle for a while, and closes them — so the server's memory per held client
/// connection can be read off its process (benchmarks/run.sh memory).
/// </summary>
internal static class HoldConnectionsCommand
{
    public static Command Create()
    {
        var topology = new Option<string>("--topology") { Description = "Lab folder of the running topology.", Required = true };
        var connections = new Option<int>("--connections") { Description = "Client connections to open.", DefaultValueFactory = static _ => 1000 };
        var seconds = new Option<int>("--hold-seconds") { Description = "How long to hold them once all are open.", DefaultValueFactory = static _ => 20 };
        var command = new Command("hold", "Open N client connections to a running CMG, one request each, and hold them idle (server memory per connection).")
        {
            topology, connections, seconds,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var document = await TopologyDocument.LoadAsync(Path.Combine(parseResult.GetValue(topology)!, "topology.json"), cancellationToken);
            var publicUrl = new Uri(document.PublicUrl);
            if (!IPAddress.TryParse(publicUrl.Host, out var address) || !LoopbackGuard.IsLoopback(address))
            {
                await Console.Error.WriteLineAsync($"{publicUrl} is not a loopback address.");
                return ExitCodes.Usage;
            }

            using var root = X509Certificate2.CreateFromPem(File.ReadAllText(document.Pki.RootCaPem));
            using var issuing = X509Certificate2.CreateFromPem(File.ReadAllText(document.Pki.IssuingCaPem));
            var entry = document.Pki.Clients[0];
            using var certificate = TopologyClientFactory.LoadClientCertificate(entry.CertPem, entry.KeyPem);
            var mp = document.Roles.First(static r => r.Kind == SiteRoleKind.ManagementPoint);
            var url = new UriBuilder(publicUrl) { Host = document.ServiceName, Path = mp.MutualAuthPath + "/SMS_MP/.sms_aut", Query = "MPLIST" }.Uri;
            var count = parseResult.GetValue(connections);
            var clients = new List<HttpClient>(count);
            var failed = 0;
            try
            {
                using var gate = new SemaphoreSlim(64);
                var opening = Enumerable.Range(0, count).Select(async _ =>
                {
                    await gate.WaitAsync(cancellationToken);
                    try
                    {
                        var handler = CmgClientHttp.CreateHandler(certificate, root, document.ServiceName, new IPEndPoint(address, 0), [issuing]);
                        handler.PooledConnectionIdleTimeout = TimeSpan.FromHours(1);
                        var http = new HttpClient(handler) { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
                        using var response = await http.GetAsync(url, cancellationToken);
                        lock (clients)
                        {
                            clients.Add(http);
                        }

                        if (!response.IsSuccessStatusCode)
                        {
                            Interlocked.Increment(ref failed);
                        }
                    }
                    catch (HttpRequestException)
                    {
                        Interlocked.Increment(ref failed);
                    }
                    finally
                    {
                        gate.Release();
                    }
                });
                await Task.WhenAll(opening);
                Console.WriteLine($"holding {clients.Count} connections ({failed} failed) for {parseResult.GetValue(seconds)} s");
                await Task.Delay(TimeSpan.FromSeconds(parseResult.GetValue(seconds)), TimeProvider.System, cancellationToken);
            }
            finally
            {
                foreach (var client in clients)
                {
                    client.Dispose();
                }
            }

            Console.WriteLine("released");
            return failed == 0 ? ExitCodes.Passed : ExitCodes.Error;
        });
        return command;
    }
}
