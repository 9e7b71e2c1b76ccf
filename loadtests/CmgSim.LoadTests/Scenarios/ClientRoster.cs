namespace CmgSim.LoadTests.Scenarios;

/// <summary>
/// A fixed set of registered clients, created before the load (outside the statistics) so a burst or an arrival
/// window is not smeared by registrations. Arrivals take clients round-robin: arrival k is client k mod N, so
/// one wave of N arrivals reaches every client once.
/// </summary>
internal sealed class ClientRoster : IAsyncDisposable
{
    private readonly LoadClient[] _clients;
    private long _next = -1;

    private ClientRoster(LoadClient[] clients) => _clients = clients;

    public int Count => _clients.Length;

    public IReadOnlyList<LoadClient> Clients => _clients;

    /// <summary>Registers <paramref name="count"/> clients, a few at a time (registration signs, and the MP writes each to its database).</summary>
    /// <param name="notification">Also log in each client's notification channel, whose long poll then stays open.</param>
    public static async Task<ClientRoster> StartAsync(LoadClientFactory factory, int count, int seed, bool notification, TimeProvider timeProvider, CancellationToken cancellationToken, int parallelism = 16)
    {
        var sequence = new SmsIdSequence(seed);
        var smsIds = Enumerable.Range(0, count).Select(_ => sequence.Next()).ToArray();
        var clients = new LoadClient?[count];
        try
        {
            await Parallel.ForEachAsync(
                Enumerable.Range(0, count),
                new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken },
                async (number, ct) =>
                {
                    var client = factory.Create(number, smsIds[number], timeProvider);
                    clients[number] = client;
                    await client.StartAsync(notification, ct);
                });
        }
        catch
        {
            await Task.WhenAll(clients.Where(static c => c is not null).Select(static c => c!.DisposeAsync().AsTask()));
            throw;
        }

        return new ClientRoster([.. clients.Select(static c => c!)]);
    }

    /// <summary>The client of the next arrival, and its number.</summary>
    public (int Number, LoadClient Client) Next()
    {
        var number = (int)((ulong)Interlocked.Increment(ref _next) % (ulong)_clients.Length);
        return (number, _clients[number]);
    }

    public async ValueTask DisposeAsync() =>
        await Task.WhenAll(_clients.Select(static c => c.DisposeAsync().AsTask()));
}
