using System.Diagnostics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using CmgSim.Core;
using CmgSim.Identity.Pki;
using CmgSim.Topology.Roles;

namespace CmgSim.FunctionalTests.Roles;

/// <summary>The cluster folder role processes find each other through, and the lab settings they adopt.</summary>
public sealed class ClusterRegistryTests : IDisposable
{
    private readonly LabLayout _layout = new(TestLab.NewLabDirectory());

    [Fact]
    public void Register_ThenRead_GivesTheEntriesByRoleAndNumber_StampedWithThisProcess()
    {
        var registry = new ClusterRegistry(_layout, TimeProvider.System);
        registry.Register(Instance(10));
        registry.Register(Instance(2));
        registry.Register(new ClusterEntry { Id = "mp", Role = ClusterRoles.ManagementPoint, Url = "https://127.0.0.1:8531" });

        var entries = registry.Read();

        Assert.Equal(["mp", "vm-instance-2", "vm-instance-10"], entries.Select(static e => e.Id));
        Assert.All(entries, static e => Assert.Equal(Environment.ProcessId, e.ProcessId));
        Assert.Equal("https://127.0.0.1:10125", registry.Find("vm-instance-2")!.ChannelUrl);
        Assert.Equal(2, registry.FindRole(ClusterRoles.VmInstance).Count);
    }

    [Fact]
    public async Task ARegistrationOfADeadProcessOnThisHost_IsIgnoredAndPruned_AndAnotherProcessesOneIsNotRemoved()
    {
        var registry = new ClusterRegistry(_layout, TimeProvider.System);
        var mine = registry.Register(Instance(1));

        // A process that has exited: its file stays behind, as after a kill -9.
        using var exited = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        await exited.WaitForExitAsync();
        var dead = mine with { Id = "vm-instance-3", ProcessId = exited.Id };
        await File.WriteAllTextAsync(Path.Combine(registry.Directory, "vm-instance-3.json"), JsonSerializer.Serialize(dead, JsonSerializerOptions.Web));

        // A live process elsewhere (another container: another host key) is never judged from here.
        var elsewhere = mine with { Id = "vm-instance-4", Host = "other-container/pid:[1]", ProcessId = exited.Id };
        await File.WriteAllTextAsync(Path.Combine(registry.Directory, "vm-instance-4.json"), JsonSerializer.Serialize(elsewhere, JsonSerializerOptions.Web));

        Assert.True(ClusterRegistry.IsStale(dead));
        Assert.Equal(["vm-instance-1", "vm-instance-4"], registry.Read().Select(static e => e.Id));

        registry.Unregister("vm-instance-4");
        registry.Unregister("vm-instance-1");
        Assert.Equal(["vm-instance-4"], registry.Read().Select(static e => e.Id));

        // The next registration removes the dead process's file.
        registry.Register(Instance(2));
        Assert.False(File.Exists(Path.Combine(registry.Directory, "vm-instance-3.json")));
        Assert.True(File.Exists(Path.Combine(registry.Directory, "vm-instance-4.json")));
    }

    [Fact]
    public async Task WaitForAsync_ReturnsOnceRegistered_AndTimesOutNamingWhatItWaitedFor()
    {
        var registry = new ClusterRegistry(_layout, TimeProvider.System) { PollInterval = TimeSpan.FromMilliseconds(20) };
        var waiting = registry.WaitForAsync("sup", TimeSpan.FromSeconds(10));
        registry.Register(new ClusterEntry { Id = "sup", Role = ClusterRoles.SoftwareUpdatePoint, Url = "https://127.0.0.1:8532" });

        Assert.Equal("https://127.0.0.1:8532", (await waiting).Url);
        var timeout = await Assert.ThrowsAsync<TimeoutException>(() => registry.WaitForAsync("entra", TimeSpan.FromMilliseconds(100)));
        Assert.Contains("entra", timeout.Message);
    }

    [Fact]
    public void ConnectionPointTargets_FollowTheRegisteredInstances_AndKeepFixedValues()
    {
        var entries = new[]
        {
            new ClusterEntry { Id = "mp", Role = ClusterRoles.ManagementPoint, Url = "https://127.0.0.1:8531" },
            new ClusterEntry { Id = "sup", Role = ClusterRoles.SoftwareUpdatePoint, Url = "https://127.0.0.1:8532" },
            Instance(1),
        };

        Assert.Null(ConnectionPointTargets.FromCluster(entries, minimumInstances: 2));
        var one = ConnectionPointTargets.FromCluster(entries)!;
        var two = ConnectionPointTargets.FromCluster([.. entries, Instance(2)])!;
        Assert.False(one.SameAs(two));
        Assert.True(two.SameAs(ConnectionPointTargets.FromCluster([Instance(2), .. entries])));

        var fixedMp = ConnectionPointTargets.FromCluster(entries, managementPointUrl: new Uri("https://mp.example:1"))!;
        Assert.Equal(new Uri("https://mp.example:1"), fixedMp.ManagementPointUrl);

        // An MP that went away keeps the last known URL rather than stopping the connection point.
        var withoutMp = ConnectionPointTargets.FromCluster(entries.Skip(1).ToArray(), current: one)!;
        Assert.True(withoutMp.SameAs(one));
    }

    [Fact]
    public void Resolve_AdoptsTheLabsPki_ForWhatTheCallerLeavesOut()
    {
        // What a lab made with 'pki init --service-name Contoso.cloudapp.net --key-algorithm rsa --clients 2' holds
        // (only the files Resolve reads, and only their relevant parts: a whole RSA lab PKI is slow to make).
        Directory.CreateDirectory(Path.Combine(_layout.PkiDirectory, "clients"));
        using (var rsa = RSA.Create(2048))
        {
            using var root = new CertificateRequest("CN=CmgSim Lab Root CA", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1).CreateSelfSigned(DateTimeOffset.UnixEpoch, DateTimeOffset.MaxValue);
            File.WriteAllText(Path.Combine(_layout.PkiDirectory, "root-ca.pem"), root.ExportCertificatePem());
        }

        using (var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256))
        {
            using var server = new CertificateRequest("CN=Contoso.cloudapp.net", ecdsa, HashAlgorithmName.SHA256).CreateSelfSigned(DateTimeOffset.UnixEpoch, DateTimeOffset.MaxValue);
            File.WriteAllText(Path.Combine(_layout.PkiDirectory, "cmg-server.pem"), server.ExportCertificatePem());
        }

        File.WriteAllText(Path.Combine(_layout.PkiDirectory, "clients", "client-01.pem"), "");
        File.WriteAllText(Path.Combine(_layout.PkiDirectory, "clients", "client-02.pem"), "");

        var adopted = RoleLabSettings.Resolve(_layout.Root);
        var overridden = RoleLabSettings.Resolve(_layout.Root, serviceName: "Other.contoso.com", clientCount: 5);
        var fresh = RoleLabSettings.Resolve(TestLab.NewLabDirectory());

        Assert.Equal(("Contoso.cloudapp.net", LabKeyAlgorithm.Rsa2048, 2), (adopted.ServiceName, adopted.KeyAlgorithm, adopted.ClientCount));
        Assert.Equal(("Other.contoso.com", 5), (overridden.ServiceName, overridden.ClientCount));
        Assert.Equal((RoleLabSettings.DefaultServiceName, LabKeyAlgorithm.EcdsaP256, RoleLabSettings.DefaultClientCount), (fresh.ServiceName, fresh.KeyAlgorithm, fresh.ClientCount));
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_layout.Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static ClusterEntry Instance(int number) => new()
    {
        Id = ClusterRegistry.InstanceId(number),
        Role = ClusterRoles.VmInstance,
        Name = VmInstanceRole.InstanceName(number),
        Url = "https://127.0.0.1:" + (8445 + number - 1),
        PublicUrl = "https://127.0.0.1:8443",
        ChannelUrl = "https://127.0.0.1:" + (10124 + number - 1),
    };
}
