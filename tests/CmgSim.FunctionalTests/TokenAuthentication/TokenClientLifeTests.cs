using CmgSim.Client;
using CmgSim.Client.TokenAuthentication;
using CmgSim.Topology;

namespace CmgSim.FunctionalTests.TokenAuthentication;

/// <summary>A topology with three clients for the token client lives (one client each, so they do not interfere).</summary>
public sealed class TokenClientLifeFixture : IAsyncLifetime
{
    private RunningLab? _running;

    internal LabTopology Lab => (_running ?? throw new InvalidOperationException("The lab is not started.")).Lab;

    public async Task InitializeAsync() => _running = await TestLab.StartWithLogsAsync(static options => options.ClientCount = 3);

    public async Task DisposeAsync()
    {
        if (_running is not null)
        {
            await _running.DisposeAsync();
        }
    }
}

/// <summary>
/// Whole client lives through the CMG's ServerAuth URLs with token authentication: an Entra-joined device (device
/// token → CCM token), a client installed with a bulk registration token (bulk token → registration → site client
/// token → CCM token), and an Entra device that is disabled in the tenant (falls back to the user's token).
/// </summary>
public sealed class TokenClientLifeTests(TokenClientLifeFixture fixture) : IClassFixture<TokenClientLifeFixture>
{
    private const int ApprovedByToken = 3;

    private readonly LabTopology _lab = fixture.Lab;

    [Fact]
    public async Task EntraClient_WholeLifeThroughTheCmg_EveryStepSucceeds()
    {
        using var session = TopologyClientFactory.Create(_lab.Document, 0, TimeProvider.System, auth: ClientAuthMethod.Entra);
        await using var life = new ClientLife(session, HostName(0), TimeProvider.System);

        var steps = await life.RunAsync();

        AssertAllSucceeded(steps);
        Assert.Equal(
            [EntraCredentialProvider.AadAuthInfoStep, EntraCredentialProvider.DeviceTokenStep, CcmTokenSource.StsStep, ClientFlow.MpListStep],
            steps.Take(4).Select(static s => s.Step));
        AssertWholeLife(steps, life);
        Assert.Equal("Device", session.Tokens!.TokenType);
        Assert.All(steps.Where(static s => s.Endpoint.Contains("CCM_Proxy", StringComparison.Ordinal)), s => Assert.Contains("CCM_Proxy_ServerAuth", s.Endpoint, StringComparison.Ordinal));

        var deviceId = _lab.Document.Entra!.Devices[0].DeviceId;
        Assert.Equal((long)ApprovedByToken, await SiteDatabase.ScalarAsync(_lab, "SELECT ApprovalStatus FROM Clients WHERE SmsId = $smsId", ("$smsId", life.Identity.SmsId!)));
        Assert.Equal(deviceId.ToString("D"), (string?)await SiteDatabase.ScalarAsync(_lab, "SELECT EntraDeviceId FROM Clients WHERE SmsId = $smsId", ("$smsId", life.Identity.SmsId!)), ignoreCase: true);
    }

    [Fact]
    public async Task BulkTokenClient_WholeLifeThroughTheCmg_EveryStepSucceeds()
    {
        var bulk = _lab.SiteTokens!.CreateBulkRegistrationToken();
        _lab.BulkTokens!.Add(bulk);
        using var session = TopologyClientFactory.Create(_lab.Document, 1, TimeProvider.System, auth: ClientAuthMethod.Token, bulkRegistrationToken: bulk.Jwt);
        await using var life = new ClientLife(session, HostName(1), TimeProvider.System);

        var steps = await life.RunAsync();

        AssertAllSucceeded(steps);
        Assert.Equal(CcmTokenSource.StsStep, steps[0].Step);
        Assert.Contains("bulk registration token", steps[0].Detail, StringComparison.Ordinal);

        // After registration the bulk token is discarded: the site client token buys the next CCM token.
        var register = steps.ToList().FindIndex(static s => s.Step == ClientFlow.RegisterStep);
        Assert.Equal(CcmTokenSource.StsStep, steps[register + 1].Step);
        Assert.Contains("site client token", steps[register + 1].Detail, StringComparison.Ordinal);
        AssertWholeLife(steps, life);
        Assert.Equal("ClientToken", session.Tokens!.TokenType);
        Assert.NotNull(life.Identity.SiteClientToken);

        Assert.Equal((long)ApprovedByToken, await SiteDatabase.ScalarAsync(_lab, "SELECT ApprovalStatus FROM Clients WHERE SmsId = $smsId", ("$smsId", life.Identity.SmsId!)));
        Assert.Equal(DBNull.Value, await SiteDatabase.ScalarAsync(_lab, "SELECT EntraDeviceId FROM Clients WHERE SmsId = $smsId", ("$smsId", life.Identity.SmsId!)));
    }

    [Fact]
    public async Task DisabledEntraDevice_DeviceTokenFails_ClientFallsBackToTheUserTokenAndCompletes()
    {
        var device = _lab.Entra!.Options.Tenants[0].Devices[2];
        Assert.Equal(_lab.Document.Entra!.Devices[2].DeviceId, device.DeviceId);
        device.AccountEnabled = false;
        try
        {
            using var session = TopologyClientFactory.Create(_lab.Document, 2, TimeProvider.System, auth: ClientAuthMethod.Entra);
            await using var life = new ClientLife(session, HostName(2), TimeProvider.System);

            var steps = await life.RunAsync();

            var deviceToken = Assert.Single(steps, static s => s.Step == EntraCredentialProvider.DeviceTokenStep);
            Assert.False(deviceToken.Succeeded);
            Assert.Equal(400, deviceToken.Status);
            Assert.Contains("AADSTS135011", deviceToken.Detail, StringComparison.Ordinal);
            var userToken = Assert.Single(steps, static s => s.Step == EntraCredentialProvider.UserTokenStep);
            Assert.True(userToken.Succeeded, $"The user-token fallback was refused too: {userToken.Status} {userToken.Detail}");
            AssertAllSucceeded(steps.Where(static s => s.Step != EntraCredentialProvider.DeviceTokenStep));
            AssertWholeLife(steps, life);
            Assert.Equal("UDA", session.Tokens!.TokenType);
            Assert.Equal((long)ApprovedByToken, await SiteDatabase.ScalarAsync(_lab, "SELECT ApprovalStatus FROM Clients WHERE SmsId = $smsId", ("$smsId", life.Identity.SmsId!)));
        }
        finally
        {
            device.AccountEnabled = true;
        }
    }

    private string HostName(int index) => _lab.Pki.Clients[index].Name.ToUpperInvariant();

    private static void AssertAllSucceeded(IEnumerable<ClientStepResult> steps) =>
        Assert.All(steps, s => Assert.True(s.Succeeded, $"{s.Step} {s.Endpoint}: {s.Status} {s.Detail}"));

    /// <summary>Every step of a life after the token: location, registration, policy with the NAA secret, inventory, state, WSUS, compliance.</summary>
    private static void AssertWholeLife(IReadOnlyList<ClientStepResult> steps, ClientLife life)
    {
        var names = steps.Select(static s => s.Step).ToList();
        foreach (var expected in new[]
        {
            CcmTokenSource.StsStep, ClientFlow.MpListStep, ClientFlow.SiteSignCertStep, ClientFlow.CcmPostStep, ClientFlow.RegisterStep,
            ClientLife.PolicyStep, ClientLife.NotificationLogInStep, ClientLife.HardwareInventoryStep, ClientLife.StateMessagesStep,
            ClientLife.WsusStepPrefix + WsusScanFlow.GetConfigStep, ClientLife.WsusStepPrefix + WsusScanFlow.SyncUpdatesStep,
            ClientLife.ComplianceStep, ClientLife.NotificationLogOutStep,
        })
        {
            Assert.Contains(expected, names);
        }

        Assert.True(names.IndexOf(CcmTokenSource.StsStep) < names.IndexOf(ClientFlow.RegisterStep), "The CCM token must come before registration.");
        Assert.Equal(@"CONTOSO\svc-cm-naa", life.NetworkAccessAccount?.UserName);
        Assert.Equal("Lab-NAA-Passw0rd!", life.NetworkAccessAccount?.Password);
        Assert.Contains("NAA", steps.Single(static s => s.Step == ClientLife.PolicyStep).Detail, StringComparison.Ordinal);
        Assert.StartsWith("GUID:", life.Identity.SmsId);
        Assert.Contains("acknowledged", steps.Single(static s => s.Step == ClientLife.HardwareInventoryStep).Detail, StringComparison.Ordinal);
        Assert.NotEmpty(life.LastScan!.UpdateRevisionIds);
    }
}
