using CmgSim.Client;
using Microsoft.Data.Sqlite;

namespace CmgSim.FunctionalTests;

public sealed class ClientLifeTests
{
    [Fact]
    public async Task WholeLife_ThroughCmg_EveryStepSucceeds()
    {
        await using var lab = await TestLab.StartAsync();
        using var session = TopologyClientFactory.Create(lab.Document, 0, TimeProvider.System);
        await using var life = new ClientLife(session, "CLIENT01", TimeProvider.System);

        var steps = await life.RunAsync();

        Assert.All(steps, s => Assert.True(s.Succeeded, $"{s.Step} {s.Endpoint}: {s.Status} {s.Detail}"));
        Assert.Equal(
            [ClientFlow.MpListStep, ClientFlow.SiteSignCertStep, ClientFlow.CcmPostStep, ClientFlow.GetConfigStep, ClientFlow.RegisterStep,
             ClientLife.PolicyStep, ClientLife.NotificationLogInStep, ClientLife.HardwareInventoryStep, ClientLife.StateMessagesStep],
            steps.Take(9).Select(static s => s.Step));
        Assert.Equal([ClientLife.ComplianceStep, ClientLife.NotificationLogOutStep], steps.TakeLast(2).Select(static s => s.Step));
        Assert.Contains(steps, static s => s.Step == ClientLife.WsusStepPrefix + WsusScanFlow.SyncUpdatesStep);

        Assert.Equal(@"CONTOSO\svc-cm-naa", life.NetworkAccessAccount?.UserName);
        Assert.Equal("Lab-NAA-Passw0rd!", life.NetworkAccessAccount?.Password);
        Assert.StartsWith("GUID:", life.Identity.SmsId);
        Assert.Contains("acknowledged", steps.Single(static s => s.Step == ClientLife.HardwareInventoryStep).Detail);
        Assert.Contains("acknowledged", steps.Single(static s => s.Step == ClientLife.StateMessagesStep).Detail);
        Assert.NotEmpty(life.LastScan!.UpdateRevisionIds);

        // Acknowledged means stored: the site database holds the client and its topic-500 messages.
        await using var connection = new SqliteConnection($"Data Source={lab.Layout.SiteDatabase};Mode=ReadOnly");
        await connection.OpenAsync();
        Assert.Equal(1L, await ScalarAsync(connection, "SELECT COUNT(*) FROM Clients WHERE SmsId = $smsId", life.Identity.SmsId!));
        Assert.Equal((long)life.LastScan.UpdateRevisionIds.Count, await ScalarAsync(connection, "SELECT COUNT(*) FROM StateMessages WHERE SmsId = $smsId AND TopicType = 500", life.Identity.SmsId!));
    }

    [Fact]
    public async Task WholeLife_DirectlyAgainstTheMp_EveryStepSucceeds()
    {
        await using var lab = await TestLab.StartAsync();
        using var session = TopologyClientFactory.Create(lab.Document, 1, TimeProvider.System, direct: true);
        await using var life = new ClientLife(session, "CLIENT03", TimeProvider.System);

        var steps = await life.RunAsync();

        Assert.All(steps, s => Assert.True(s.Succeeded, $"{s.Step} {s.Endpoint}: {s.Status} {s.Detail}"));
        Assert.All(steps.Where(static s => s.Endpoint.Length > 0), s => Assert.DoesNotContain("CCM_Proxy", s.Endpoint));
        Assert.Equal(@"CONTOSO\svc-cm-naa", life.NetworkAccessAccount?.UserName);
        Assert.NotEmpty(life.LastScan!.UpdateRevisionIds);
    }

    [Fact]
    public async Task Schedule_ThroughCmg_TwoCompressedHoursPollAndInventoryTwiceInOneSecond()
    {
        await using var lab = await TestLab.StartAsync();
        using var session = TopologyClientFactory.Create(lab.Document, 1, TimeProvider.System);
        var options = new ClientLifeOptions { TimeCompression = 7200, HardwareInventoryInterval = TimeSpan.FromHours(1) };
        await using var life = new ClientLife(session, "CLIENT02", TimeProvider.System, options);
        Assert.True((await session.Flow.RegisterAsync(life.Identity)).Succeeded);

        var result = await life.RunScheduleAsync(TimeSpan.FromHours(2));

        Assert.Equal(2, result.PolicyPolls);
        Assert.Equal(2, result.InventoryCycles);
        Assert.All(result.Steps, s => Assert.True(s.Succeeded, $"{s.Step}: {s.Status} {s.Detail}"));
        Assert.NotNull(life.NetworkAccessAccount);
    }

    private static async Task<object?> ScalarAsync(SqliteConnection connection, string sql, string smsId)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("$smsId", smsId);
        return await command.ExecuteScalarAsync();
    }
}
