using CmgSim.Identity.Entra;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CmgSim.Identity.Tests.Entra;

public sealed class EntraTenantOptionsTests
{
    [Fact]
    public void Lab_defaults_are_valid_and_the_same_on_every_call()
    {
        var first = EntraTenantOptions.CreateLabDefaults(["client-01", "client-02"]);
        var second = EntraTenantOptions.CreateLabDefaults(["client-01", "client-02"]);

        Assert.Empty(first.Validate());
        Assert.Equal(TimeSpan.FromSeconds(3599), first.AccessTokenLifetime);
        Assert.Null(first.KeyDirectory);
        var contoso = first.Tenants[0];
        Assert.Equal((EntraLabDefaults.ContosoTenantId, "Contoso", "contoso.com"), (contoso.TenantId, contoso.DisplayName, contoso.VerifiedDomain));
        var server = contoso.Applications.Single(a => a.AppIdUri == "https://ConfigMgrService");
        Assert.Equal(("ConfigMgr CMG server app", EntraLabDefaults.ContosoServerAppId), (server.DisplayName, server.AppId));
        Assert.Equal(["lab-server-app-secret"], server.ClientSecrets);
        Assert.False(server.AllowPublicClientFlows);
        var client = contoso.Applications.Single(a => a.DisplayName == "ConfigMgr CMG client app");
        Assert.Equal(EntraLabDefaults.ContosoClientAppId, client.AppId);
        Assert.True(client.AllowPublicClientFlows);
        Assert.Empty(client.ClientSecrets);
        Assert.Equal(["CLIENT-01", "CLIENT-02"], contoso.Devices.Select(static d => d.DisplayName));
        Assert.Equal(contoso.Devices.Select(static d => d.DeviceId), second.Tenants[0].Devices.Select(static d => d.DeviceId));
        Assert.Equal(EntraLabDefaults.DeviceIdFor(EntraLabDefaults.ContosoTenantId, "client-01"), contoso.Devices[0].DeviceId);
        Assert.Equal(5, (contoso.Devices[0].DeviceId.ToByteArray(bigEndian: true)[6] >> 4));
        Assert.Equal(["user1@contoso.com", "user2@contoso.com"], contoso.Users.Select(static u => u.UserPrincipalName));
        Assert.All(contoso.Users, static u => Assert.Equal("P@ssw0rd!", u.Password));
        Assert.Equal("S-1-5-21-3623811015-3361044348-30300820-1002", contoso.Users[1].OnPremisesSid);
        Assert.Equal(contoso.Users.Select(static u => u.ObjectId), second.Tenants[0].Users.Select(static u => u.ObjectId));

        var fabrikam = first.Tenants[1];
        Assert.Equal((EntraLabDefaults.FabrikamTenantId, "fabrikam.com"), (fabrikam.TenantId, fabrikam.VerifiedDomain));
        Assert.Equal(["FABRIKAM-01"], fabrikam.Devices.Select(static d => d.DisplayName));
        Assert.Equal(["user1@fabrikam.com"], fabrikam.Users.Select(static u => u.UserPrincipalName));
        Assert.Equal(2, fabrikam.Applications.Count);
    }

    [Fact]
    public void Validate_reports_every_error_at_once()
    {
        var options = EntraTenantOptions.CreateLabDefaults(["client-01"]);
        options.AccessTokenLifetime = TimeSpan.Zero;
        options.ActiveSigningKeyId = "kid-without-directory";
        var contoso = options.Tenants[0];
        contoso.VerifiedDomain = "not a domain";
        contoso.Applications[0].AppIdUri = "ConfigMgrService";
        contoso.Applications[1].AppId = contoso.Applications[0].AppId;
        contoso.Devices.Add(new EntraDevice { DeviceId = Guid.NewGuid(), DisplayName = "client-01" });
        contoso.Users[0].UserPrincipalName = "user1@fabrikam.com";
        contoso.Users[0].OnPremisesSid = "not-a-sid";
        options.Tenants[1].TenantId = contoso.TenantId;
        options.Tenants.Add(new EntraTenantDefinition { TenantId = Guid.Empty, DisplayName = "", VerifiedDomain = "fabrikam.com" });

        var errors = options.Validate();

        Assert.Collection(
            errors,
            e => Assert.StartsWith("AccessTokenLifetime is 00:00:00", e, StringComparison.Ordinal),
            e => Assert.StartsWith("ActiveSigningKeyId needs a KeyDirectory", e, StringComparison.Ordinal),
            e => Assert.Contains("VerifiedDomain 'not a domain' must be a DNS domain name", e, StringComparison.Ordinal),
            e => Assert.Contains("AppIdUri 'ConfigMgrService' must be an absolute URI", e, StringComparison.Ordinal),
            e => Assert.Contains("AppId is used by another application", e, StringComparison.Ordinal),
            e => Assert.Contains("device name 'client-01' is used by another device", e, StringComparison.Ordinal),
            e => Assert.Contains("UserPrincipalName 'user1@fabrikam.com' must be name@not a domain", e, StringComparison.Ordinal),
            e => Assert.Contains("OnPremisesSid 'not-a-sid' is not a SID", e, StringComparison.Ordinal),
            e => Assert.Contains("TenantId is used by another tenant", e, StringComparison.Ordinal),
            e => Assert.Equal("Tenants[2].TenantId is empty.", e),
            e => Assert.Equal("Tenants[2].DisplayName is required.", e),
            e => Assert.Contains("VerifiedDomain 'fabrikam.com' is already verified by another tenant", e, StringComparison.Ordinal));
    }

    [Fact]
    public void Empty_options_and_add_entra_tenant_refuse_with_every_problem()
    {
        var options = new EntraTenantOptions { KeyDirectory = " " };

        var error = Assert.Throws<OptionsValidationException>(() => new ServiceCollection().AddEntraTenant(options));

        Assert.Equal(2, error.Failures.Count());
        Assert.Contains(error.Failures, static f => f.StartsWith("Tenants is empty", StringComparison.Ordinal));
        Assert.Contains(error.Failures, static f => f.StartsWith("KeyDirectory is blank", StringComparison.Ordinal));
    }
}
