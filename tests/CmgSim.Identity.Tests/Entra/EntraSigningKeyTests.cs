using System.Text.Json;
using CmgSim.Identity.Entra;
using Microsoft.IdentityModel.JsonWebTokens;

namespace CmgSim.Identity.Tests.Entra;

public sealed class EntraSigningKeyTests
{
    [Fact]
    public async Task Rollover_signs_new_tokens_with_the_other_key_and_keeps_both_in_the_jwks()
    {
        await using var entra = await EntraTestHost.StartAsync(useFakeTime: true);
        var client = entra.TokenClient(EntraTestHost.Contoso);
        var before = await client.AcquireAppTokenAsync(
            EntraLabDefaults.ContosoServerAppId, EntraLabDefaults.ServerAppSecret, EntraLabDefaults.ServerAppIdUri, entra.Time, CancellationToken.None);

        entra.Host.RolloverSigningKey();
        var after = await client.AcquireAppTokenAsync(
            EntraLabDefaults.ContosoServerAppId, EntraLabDefaults.ServerAppSecret, EntraLabDefaults.ServerAppIdUri, entra.Time, CancellationToken.None);

        var oldKid = new JsonWebToken(before.AccessToken).Kid;
        var newKid = new JsonWebToken(after.AccessToken).Kid;
        Assert.NotEqual(oldKid, newKid);
        Assert.Equal(entra.Host.SigningKeys.Active.KeyId, newKid);
        using var jwks = JsonDocument.Parse(await entra.Http.GetStringAsync(entra.Host.JwksUriFor(EntraTestHost.Contoso)));
        var kids = jwks.RootElement.GetProperty("keys").EnumerateArray().Select(static k => k.GetProperty("kid").GetString()).ToList();
        Assert.Equal([newKid, oldKid], kids);

        // A validator holding the JWKS accepts tokens from before and after the rollover.
        Assert.True((await entra.ValidateAsync(before.AccessToken!, EntraTestHost.Contoso)).IsValid);
        Assert.True((await entra.ValidateAsync(after.AccessToken!, EntraTestHost.Contoso)).IsValid);
        Assert.Contains(entra.Logs.Entries, e => e.EventId.Id == 4504 && e.Message.Contains(newKid, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Keys_active_choice_and_device_certificates_survive_a_restart_with_the_same_key_directory()
    {
        using var lab = new TestLab();
        var keyDirectory = Path.Combine(lab.Root, "entra");
        string[] kids;
        string activeAfterRollover;
        string deviceThumbprint;
        await using (var first = await StartOn(lab, keyDirectory))
        {
            kids = first.Host.SigningKeys.Keys.Select(static k => k.KeyId).ToArray();
            first.Host.RolloverSigningKey();
            activeAfterRollover = first.Host.SigningKeys.Active.KeyId;
            using var wpj = first.Host.GetDeviceCertificate(EntraTestHost.Contoso, "CLIENT-01");
            deviceThumbprint = wpj.Thumbprint;
        }

        await using var second = await StartOn(lab, keyDirectory);

        Assert.Equal(kids, second.Host.SigningKeys.Keys.Select(static k => k.KeyId));
        Assert.Equal(activeAfterRollover, second.Host.SigningKeys.Active.KeyId);
        Assert.Equal(kids[1], activeAfterRollover);
        using var again = second.Host.GetDeviceCertificate(EntraTestHost.Contoso, "CLIENT-01");
        Assert.Equal(deviceThumbprint, again.Thumbprint);
        Assert.True(File.Exists(Path.Combine(keyDirectory, "signing-key-1.pfx")));
        Assert.True(File.Exists(Path.Combine(keyDirectory, "signing-key-2.pfx")));
        Assert.True(File.Exists(EntraDeviceCertificates.PathFor(keyDirectory, "CLIENT-01")));
    }

    [Fact]
    public void Active_signing_key_id_option_selects_the_key_and_an_unknown_one_is_refused()
    {
        using var lab = new TestLab();
        var keyDirectory = Path.Combine(lab.Root, "entra");
        string second;
        using (var keys = EntraSigningKeys.LoadOrCreate(keyDirectory, lab.Time))
        {
            Assert.Same(keys.Keys[0], keys.Active);
            second = keys.Keys[1].KeyId;
        }

        using (var chosen = EntraSigningKeys.LoadOrCreate(keyDirectory, lab.Time, second))
        {
            Assert.Equal(second, chosen.Active.KeyId);
        }

        Assert.Throws<InvalidOperationException>(() => EntraSigningKeys.LoadOrCreate(keyDirectory, lab.Time, "no-such-kid"));
    }

    [Fact]
    public void In_memory_keys_are_two_distinct_rsa_keys_with_certificates()
    {
        using var lab = new TestLab();
        using var keys = EntraSigningKeys.LoadOrCreate(null, lab.Time);

        Assert.Equal(2, keys.Keys.Count);
        Assert.NotEqual(keys.Keys[0].KeyId, keys.Keys[1].KeyId);
        foreach (var key in keys.Keys)
        {
            Assert.Equal("CN=" + EntraSigningKeys.CertificateCommonName, key.Certificate.Subject);
            Assert.False(key.Certificate.HasPrivateKey);
            using var rsa = System.Security.Cryptography.X509Certificates.RSACertificateExtensions.GetRSAPublicKey(key.Certificate);
            Assert.Equal(2048, rsa!.KeySize);
        }

        var previous = keys.Active;
        Assert.NotSame(previous, keys.Rollover());
        Assert.Same(previous, keys.Rollover());
    }

    [Fact]
    public void Device_certificate_is_created_once_and_reused_from_its_file()
    {
        using var lab = new TestLab();
        var keyDirectory = Path.Combine(lab.Root, "entra");
        var device = new EntraDevice { DeviceId = EntraLabDefaults.DeviceIdFor(EntraLabDefaults.ContosoTenantId, "CLIENT-09"), DisplayName = "CLIENT-09" };

        using var created = EntraDeviceCertificates.LoadOrCreate(keyDirectory, device, lab.Time);
        using var reused = EntraDeviceCertificates.LoadOrCreate(keyDirectory, device, lab.Time);
        using var asClientReadsIt = EntraDeviceCertificates.Load(keyDirectory, "CLIENT-09");

        Assert.Equal($"CN={device.DeviceId}", created.Subject);
        Assert.True(created.HasPrivateKey);
        Assert.Equal(created.Thumbprint, reused.Thumbprint);
        Assert.Equal(created.Thumbprint, asClientReadsIt.Thumbprint);
        Assert.True(asClientReadsIt.HasPrivateKey);
        Assert.Throws<FileNotFoundException>(() => EntraDeviceCertificates.Load(keyDirectory, "CLIENT-10"));
    }

    private static Task<EntraTestHost> StartOn(TestLab lab, string keyDirectory) =>
        EntraTestHost.StartAsync(useFakeTime: true, lab: lab, keyDirectory: keyDirectory);
}
