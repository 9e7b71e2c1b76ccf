using CmgSim.Client;
using Microsoft.Data.Sqlite;

namespace CmgSim.FunctionalTests;

public sealed class RegistrationTests
{
    [Fact]
    public async Task Register_ThroughCmg_IsInTheLabSiteDatabaseWhenTheReplyArrives()
    {
        await using var lab = await TestLab.StartAsync();
        using var session = TopologyClientFactory.Create(lab.Document, 0, TimeProvider.System);
        using var identity = ClientIdentity.Create("CLIENT42", TimeProvider.System.GetUtcNow().AddDays(-1));

        var step = await session.Flow.RegisterAsync(identity);

        Assert.True(step.Succeeded, $"{step.Status} {step.Detail}");
        Assert.StartsWith("GUID:", identity.SmsId);

        // Read back with a separate connection to the file in the lab folder: acknowledged means durable.
        await using var connection = new SqliteConnection($"Data Source={lab.Layout.SiteDatabase};Mode=ReadOnly");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT ApprovalStatus FROM Clients WHERE SmsId = $smsId";
        command.Parameters.AddWithValue("$smsId", identity.SmsId);
        var approval = await command.ExecuteScalarAsync();

        // A PKI client (certificate on the TLS connection) is approved.
        Assert.Equal(1L, approval);
    }
}
