using System.Globalization;
using System.Net;
using CmgSim.Client.TokenAuthentication;
using CmgSim.LoadTests.Scenarios;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace CmgSim.LoadTests.Tests.Scenarios;

/// <summary>One in-process lab topology (real Kestrel, TLS, Entra tenant and site tokens) for the load-client tests.</summary>
public sealed class LoadLabFixture : IAsyncLifetime
{
    internal ScenarioTopology Topology { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Topology = await ScenarioTopology.StartOrAttachAsync(null, static _ => { }, NullLoggerFactory.Instance, CancellationToken.None);

    public async Task DisposeAsync() => await Topology.DisposeAsync();
}

/// <summary>Load clients of every authentication method, and from several loopback source addresses, through a real CMG.</summary>
[Collection(RealTimeGroup.Name)]
public sealed class LoadClientTests(LoadLabFixture lab) : IClassFixture<LoadLabFixture>
{
    private const string InstanceName = "ProxyService_IN_0";

    [Fact]
    public async Task Entra_clients_share_the_lab_devices_register_through_the_cmg_and_poll_policy()
    {
        var document = lab.Topology.Document;
        var devices = document.Entra!.Devices;
        using var factory = new LoadClientFactory(document, TimeProvider.System) { Auth = ClientAuthMethod.Entra };

        // One client more than devices: the first device serves two clients.
        var clients = await StartAsync(factory, devices.Count + 1);
        try
        {
            Assert.All(clients, c => Assert.Equal("Device", c.Tokens!.TokenType));
            Assert.All(clients, c => Assert.Contains("approval status 3", c.Registration!.Detail, StringComparison.Ordinal));

            // Clients of one device are one client to the MP: its SMSID, and one notification channel.
            Assert.Equal(clients[0].Identity.SmsId, clients[^1].Identity.SmsId);
            Assert.Equal(devices.Count, clients.Select(static c => c.Identity.SmsId).Distinct().Count());
            Assert.Equal(devices.Count, clients.Count(static c => c.NotificationUp));

            // Every client polls over its own connection to the VM instance, which counted them all.
            foreach (var client in clients)
            {
                await client.Policy.PollAssignmentsAsync(client.Identity, CancellationToken.None);
                Assert.Equal(InstanceName, client.VmInstance);
            }

            Assert.InRange(lab.Topology.Lab!.Instances[0].CapacityStatus.ActiveConnections, clients.Count, 100);

            // The site database: each device registered over token auth, approved by token, bound to its Entra device id.
            var rows = ReadClients();
            foreach (var device in devices)
            {
                var row = Assert.Single(rows, r => r.EntraDeviceId == device.DeviceId.ToString("D"));
                Assert.Equal(3, row.ApprovalStatus);
                Assert.Equal("TokenAuth", row.RegisteredVia);
            }

            Assert.Equal(2, rows.Single(r => r.SmsId == clients[0].Identity.SmsId).RegistrationCount);
        }
        finally
        {
            await DisposeAsync(clients);
        }
    }

    [Fact]
    public async Task Bulk_token_clients_get_site_client_tokens_register_and_poll_policy()
    {
        var document = lab.Topology.Document;
        var issuedBefore = lab.Topology.Lab!.BulkTokens!.List().Count;
        using var factory = new LoadClientFactory(document, TimeProvider.System) { Auth = ClientAuthMethod.Token };

        var clients = await StartAsync(factory, 3);
        try
        {
            // One new bulk token, recorded in site.db, served every client.
            Assert.Equal(issuedBefore + 1, lab.Topology.Lab.BulkTokens.List().Count);

            // After registration each client buys its CCM tokens with its own 90-day site client token.
            Assert.All(clients, c => Assert.Equal("ClientToken", c.Tokens!.TokenType));
            Assert.All(clients, c => Assert.NotNull(c.Identity.SiteClientToken));
            Assert.Equal(3, clients.Select(static c => c.Identity.SmsId).Distinct().Count());
            Assert.All(clients, static c => Assert.True(c.NotificationUp));
            foreach (var client in clients)
            {
                await client.Policy.PollAssignmentsAsync(client.Identity, CancellationToken.None);
                Assert.Equal(InstanceName, client.VmInstance);
            }

            var rows = ReadClients();
            foreach (var client in clients)
            {
                var row = Assert.Single(rows, r => r.SmsId == client.Identity.SmsId);
                Assert.Equal(3, row.ApprovalStatus);
                Assert.Equal("TokenAuth", row.RegisteredVia);
                Assert.Null(row.EntraDeviceId);
            }
        }
        finally
        {
            await DisposeAsync(clients);
        }
    }

    [Fact]
    public async Task Clients_connect_from_their_own_loopback_source_addresses()
    {
        var document = lab.Topology.Document;
        using var factory = new LoadClientFactory(document, TimeProvider.System) { SourceAddresses = 3 };
        var clients = new List<LoadClient>();
        try
        {
            // Clients 1 and 2 of 3 source addresses: 127.0.0.2 and 127.0.0.3.
            foreach (var number in new[] { 1, 2 })
            {
                var client = factory.Create(number, Guid.NewGuid(), TimeProvider.System);
                clients.Add(client);
                Assert.Equal(HttpStatusCode.OK, await client.RequestMpListAsync(CancellationToken.None));
            }

            Assert.Equal([IPAddress.Parse("127.0.0.2"), IPAddress.Parse("127.0.0.3")], clients.Select(static c => c.LocalEndPoint!.Address));

            // The kernel's view of the CMG's side: accepted connections on the public port from exactly those addresses and ports.
            var accepted = AcceptedConnections(factory.PublicAddress.Port);
            foreach (var client in clients)
            {
                Assert.Contains(client.LocalEndPoint!, accepted);
            }

            Assert.Equal(IPAddress.Parse("127.0.0.1"), factory.SourceAddressFor(3));
        }
        finally
        {
            await DisposeAsync(clients);
        }
    }

    private static async Task<List<LoadClient>> StartAsync(LoadClientFactory factory, int count)
    {
        var clients = new List<LoadClient>();
        try
        {
            for (var number = 0; number < count; number++)
            {
                var client = factory.Create(number, Guid.NewGuid(), TimeProvider.System);
                clients.Add(client);
                await client.StartAsync(notification: true, CancellationToken.None);
            }

            return clients;
        }
        catch
        {
            await DisposeAsync(clients);
            throw;
        }
    }

    private static async Task DisposeAsync(IEnumerable<LoadClient> clients)
    {
        foreach (var client in clients)
        {
            await client.DisposeAsync();
        }
    }

    private List<ClientRow> ReadClients()
    {
        using var connection = new SqliteConnection($"Data Source={lab.Topology.Lab!.Layout.SiteDatabase};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT SmsId, ApprovalStatus, RegisteredVia, RegistrationCount, EntraDeviceId FROM Clients";
        using var reader = command.ExecuteReader();
        var rows = new List<ClientRow>();
        while (reader.Read())
        {
            rows.Add(new ClientRow(reader.GetString(0), reader.GetInt32(1), reader.GetString(2), reader.GetInt32(3), reader.IsDBNull(4) ? null : reader.GetString(4)));
        }

        return rows;
    }

    /// <summary>Remote ends of the established TCP connections whose local port is <paramref name="port"/>, from /proc/net/tcp (Linux, IPv4).</summary>
    private static HashSet<IPEndPoint> AcceptedConnections(int port)
    {
        var accepted = new HashSet<IPEndPoint>();
        foreach (var line in File.ReadLines("/proc/net/tcp").Skip(1))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields[3] == "01" && Parse(fields[1]).Port == port)
            {
                accepted.Add(Parse(fields[2]));
            }
        }

        return accepted;

        // "0200007F:A1B2": the address in host (little-endian) order, the port big-endian, both hex.
        static IPEndPoint Parse(string field)
        {
            var parts = field.Split(':');
            var address = uint.Parse(parts[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            return new IPEndPoint(new IPAddress(address), int.Parse(parts[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture));
        }
    }

    private sealed record ClientRow(string SmsId, int ApprovalStatus, string RegisteredVia, int RegistrationCount, string? EntraDeviceId);
}
