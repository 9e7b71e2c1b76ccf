using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CmgSim.Identity.Pki;

namespace CmgSim.Identity.Tests;

public sealed class LabPkiTests
{
    [Fact]
    public void LoadOrCreate_writes_the_documented_files()
    {
        using var lab = new TestLab(fresh: true);
        string[] expected =
        [
            "root-ca.pem", "root-ca.key.pem", "root-ca.crl", "root-ca.crl.pem",
            "issuing-ca.pem", "issuing-ca.key.pem", "issuing-ca.crl", "issuing-ca.crl.pem", "ca-chain.pem",
            "cmg-server.pem", "cmg-server.key.pem", "cmg-server.pfx",
            "connection-point.pem", "connection-point.key.pem", "connection-point.pfx",
            "site-system.pem", "site-system.key.pem", "site-system.pfx",
            "site-signing.pem", "site-signing.key.pem", "site-signing.pfx",
            "clients/client-01.pem", "clients/client-01.key.pem", "clients/client-01.pfx",
            "clients/client-03.pem", "clients/client-03.key.pem", "clients/client-03.pfx",
        ];
        foreach (var file in expected)
        {
            Assert.True(File.Exists(Path.Combine(lab.PkiDirectory, file)), file);
        }

        Assert.Equal(lab.PkiDirectory, lab.Pki.Directory);
        Assert.Equal(Path.Combine(lab.PkiDirectory, "issuing-ca.crl"), lab.Pki.CrlPath);
        Assert.Equal(Path.Combine(lab.PkiDirectory, "cmg-server.key.pem"), lab.Pki.ServerKeyPemPath);
        Assert.Equal(["client-01", "client-02", "client-03"], lab.Pki.Clients.Select(c => c.Name));
        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", File.ReadAllText(lab.Pki.Clients[0].KeyPemPath), StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(lab.PkiDirectory, "*.tmp", SearchOption.AllDirectories));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(lab.Pki.ServerKeyPemPath));
        }
    }

    [Fact]
    public void Second_LoadOrCreate_reuses_the_same_certificates_and_files()
    {
        using var lab = new TestLab();
        var first = Thumbprints(lab.Pki);
        var serverPem = File.ReadAllText(lab.Pki.ServerCertPemPath);
        var crl = File.ReadAllBytes(lab.Pki.CrlPath);

        lab.Time.Advance(TimeSpan.FromHours(2));
        var second = Thumbprints(lab.Reload());

        Assert.Equal(first, second);
        Assert.Equal(serverPem, File.ReadAllText(lab.Pki.ServerCertPemPath));
        Assert.Equal(crl, File.ReadAllBytes(lab.Pki.CrlPath));
    }

    [Fact]
    public async Task Concurrent_LoadOrCreate_calls_agree_on_one_PKI()
    {
        var root = Path.Combine(Path.GetTempPath(), "cmgsim-pki-" + Guid.NewGuid().ToString("N"));
        try
        {
            var options = new LabPkiOptions { ClientCount = 1 };
            var tasks = Enumerable.Range(0, 4)
                .Select(_ => Task.Run(() => LabPki.LoadOrCreate(root, options, TimeProvider.System)))
                .ToArray();
            var results = await Task.WhenAll(tasks);
            try
            {
                Assert.Single(results.Select(r => r.ServerCertificate.Thumbprint).Distinct());
                Assert.Single(results.Select(r => r.RootCa.Thumbprint).Distinct());
            }
            finally
            {
                foreach (var pki in results)
                {
                    pki.Dispose();
                }
            }
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void Changed_service_name_reissues_only_the_server_certificate()
    {
        using var lab = new TestLab();
        var before = Thumbprints(lab.Pki);

        lab.Options.ServiceName = "Contoso-CMG.contoso.com";
        var pki = lab.Reload();

        Assert.Equal("Contoso-CMG.contoso.com", pki.ServerCertificate.GetNameInfo(X509NameType.SimpleName, false));
        Assert.NotEqual(before[2], pki.ServerCertificate.Thumbprint);
        Assert.Equal(before.Where((_, i) => i != 2), Thumbprints(pki).Where((_, i) => i != 2));
    }

    [Fact]
    public void Server_certificate_has_the_CMG_name_SANs_and_server_auth_EKU_and_chains_to_the_root()
    {
        using var lab = new TestLab();
        var server = lab.Pki.ServerCertificate;

        Assert.True(server.HasPrivateKey);
        Assert.Equal("CN=GraniteFalls.contoso.com", server.Subject);
        var san = server.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        Assert.Equal(["GraniteFalls.contoso.com", "localhost"], san.EnumerateDnsNames());
        Assert.Contains(IPAddress.Loopback, san.EnumerateIPAddresses());
        Assert.Equal(["1.3.6.1.5.5.7.3.1"], Ekus(server));
        Assert.True(server.MatchesHostname("GraniteFalls.contoso.com"));
        Assert.True(server.MatchesHostname("localhost"));
        Assert.Equal(TestLab.Start.AddDays(365).UtcDateTime, server.NotAfter.ToUniversalTime());

        using var chain = CustomRootChain(lab.Pki, lab.Time.GetUtcNow());
        Assert.True(chain.Build(server), string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation)));
        Assert.Equal(3, chain.ChainElements.Count);
        Assert.Equal(lab.Pki.RootCa.Thumbprint, chain.ChainElements[^1].Certificate.Thumbprint);

        var issuing = lab.Pki.IssuingCa;
        var usage = issuing.Extensions.OfType<X509KeyUsageExtension>().Single().KeyUsages;
        Assert.True(usage.HasFlag(X509KeyUsageFlags.CrlSign));
        Assert.True(usage.HasFlag(X509KeyUsageFlags.KeyCertSign));
        Assert.Equal("CN=CmgSim Lab Issuing CA", issuing.Subject);
        Assert.False(issuing.HasPrivateKey);
        Assert.False(lab.Pki.RootCa.HasPrivateKey);
    }

    [Fact]
    public void Other_certificates_have_the_documented_names_and_usages()
    {
        using var lab = new TestLab();
        var pki = lab.Pki;

        Assert.Equal("CN=CMGCP01.contoso.com", pki.ConnectionPointCertificate.Subject);
        Assert.Equal(["1.3.6.1.5.5.7.3.2"], Ekus(pki.ConnectionPointCertificate));
        Assert.True(pki.ConnectionPointCertificate.HasPrivateKey);

        Assert.Equal("CN=MP01.contoso.com", pki.SiteSystemCertificate.Subject);
        Assert.Equal(["1.3.6.1.5.5.7.3.1"], Ekus(pki.SiteSystemCertificate));
        Assert.True(pki.SiteSystemCertificate.MatchesHostname("localhost"));

        var signing = pki.SiteSigningCertificate;
        Assert.Equal("CN=Site Server", signing.Subject);
        Assert.Equal(signing.Subject, signing.Issuer);
        Assert.True(signing.HasPrivateKey);
        using (var rsa = signing.GetRSAPublicKey())
        {
            Assert.Equal(2048, rsa!.KeySize);
        }

        Assert.Equal(["MP01.contoso.com"], signing.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single().EnumerateDnsNames());

        var client = pki.Clients[1].Certificate;
        Assert.Equal("CN=client-02", client.Subject);
        Assert.Equal(["1.3.6.1.5.5.7.3.2"], Ekus(client));
        Assert.Equal(X509KeyUsageFlags.DigitalSignature, client.Extensions.OfType<X509KeyUsageExtension>().Single().KeyUsages);
        Assert.Equal("sha256ECDSA", client.SignatureAlgorithm.FriendlyName);
        Assert.NotNull(client.Extensions["2.5.29.31"]);
    }

    [Fact]
    public void Files_on_disk_load_as_the_returned_certificates()
    {
        using var lab = new TestLab();
        var client = lab.Pki.Clients[0];

        using var fromPem = X509Certificate2.CreateFromPemFile(client.CertPemPath, client.KeyPemPath);
        Assert.Equal(client.Certificate.Thumbprint, fromPem.Thumbprint);
        Assert.True(fromPem.HasPrivateKey);

        var chainInPem = new X509Certificate2Collection();
        chainInPem.ImportFromPemFile(lab.Pki.ServerCertPemPath);
        Assert.Equal([lab.Pki.ServerCertificate.Thumbprint, lab.Pki.IssuingCa.Thumbprint], chainInPem.Select(c => c.Thumbprint));

        using var fromPfx = X509CertificateLoader.LoadPkcs12FromFile(client.PfxPath, null);
        Assert.Equal(client.Certificate.Thumbprint, fromPfx.Thumbprint);
        Assert.True(fromPfx.HasPrivateKey);

        using var root = X509CertificateLoader.LoadCertificateFromFile(lab.Pki.RootCaPemPath);
        Assert.Equal(lab.Pki.RootCa.Thumbprint, root.Thumbprint);
    }

    [Fact]
    public void Pfx_password_option_protects_the_pfx_files_and_a_changed_password_rewrites_them()
    {
        using var lab = new TestLab(new LabPkiOptions { ClientCount = 1, PfxPassword = "Lab-Pfx-1" });
        using (var loaded = X509CertificateLoader.LoadPkcs12FromFile(lab.Pki.ServerPfxPath, "Lab-Pfx-1"))
        {
            Assert.True(loaded.HasPrivateKey);
        }

        Assert.ThrowsAny<CryptographicException>(() => X509CertificateLoader.LoadPkcs12FromFile(lab.Pki.ServerPfxPath, null));

        lab.Options.PfxPassword = null;
        var thumbprint = lab.Pki.ServerCertificate.Thumbprint;
        lab.Reload();
        using var reloaded = X509CertificateLoader.LoadPkcs12FromFile(lab.Pki.ServerPfxPath, null);
        Assert.Equal(thumbprint, reloaded.Thumbprint);
    }

    [Fact]
    public void IssueClientCertificate_writes_files_with_the_requested_validity_and_EKUs()
    {
        using var lab = new TestLab(new LabPkiOptions { ClientCount = 0 });
        var notBefore = TestLab.Start.AddDays(-10);
        var notAfter = TestLab.Start.AddDays(20);

        var issued = lab.Pki.IssueClientCertificate("kiosk-7", notBefore, notAfter, clientAuthEku: true, serverAuthEku: true);

        Assert.Empty(lab.Pki.Clients);
        Assert.Equal(Path.Combine(lab.PkiDirectory, "clients", "kiosk-7.pem"), issued.CertPemPath);
        Assert.True(File.Exists(issued.KeyPemPath));
        Assert.True(File.Exists(issued.PfxPath));
        Assert.Equal(notBefore.UtcDateTime, issued.Certificate.NotBefore.ToUniversalTime());
        Assert.Equal(notAfter.UtcDateTime, issued.Certificate.NotAfter.ToUniversalTime());
        Assert.Equal(["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"], Ekus(issued.Certificate));
        Assert.Throws<ArgumentException>(() => lab.Pki.IssueClientCertificate("../evil", notBefore, notAfter));
    }

    [Fact]
    public void Revoke_bumps_the_CRL_number_and_lists_the_serial()
    {
        using var lab = new TestLab(new LabPkiOptions { ClientCount = 2 });
        var before = CertificateRevocationListBuilder.Load(File.ReadAllBytes(lab.Pki.CrlPath), out var number1);

        lab.Time.Advance(TimeSpan.FromMinutes(5));
        lab.Pki.Revoke(lab.Pki.Clients[1].Certificate);
        lab.Pki.Revoke(lab.Pki.Clients[1].Certificate); // idempotent apart from the new CRL number

        var after = CertificateRevocationListBuilder.Load(File.ReadAllBytes(lab.Pki.CrlPath), out var number2);
        Assert.Equal(number1 + 2, number2);
        Assert.True(after.RemoveEntry(lab.Pki.Clients[1].Certificate.SerialNumberBytes.Span));
        Assert.False(after.RemoveEntry(lab.Pki.Clients[1].Certificate.SerialNumberBytes.Span));
        Assert.False(before.RemoveEntry(lab.Pki.Clients[1].Certificate.SerialNumberBytes.Span));
        Assert.Contains("-----BEGIN X509 CRL-----", File.ReadAllText(lab.Pki.CrlPath + ".pem"), StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => lab.Pki.Revoke(lab.Pki.SiteSigningCertificate));
    }

    [Fact]
    public void Untrusted_client_certificate_chains_to_a_different_root()
    {
        using var untrusted = LabPki.CreateUntrustedClientCertificate("rogue", TimeProvider.System);
        Assert.True(untrusted.HasPrivateKey);
        Assert.Equal("CN=rogue", untrusted.Subject);
        Assert.Equal("CN=CmgSim Untrusted Root", untrusted.Issuer);
        Assert.Equal(["1.3.6.1.5.5.7.3.2"], Ekus(untrusted));
    }

    internal static X509Chain CustomRootChain(LabPki pki, DateTimeOffset now)
    {
        var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(pki.RootCa);
        chain.ChainPolicy.ExtraStore.Add(pki.IssuingCa);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = now.UtcDateTime;
        return chain;
    }

    private static string[] Ekus(X509Certificate2 certificate) =>
        certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>()
            .SelectMany(e => e.EnhancedKeyUsages.Cast<Oid>())
            .Select(o => o.Value!)
            .Order(StringComparer.Ordinal)
            .ToArray();

    private static string[] Thumbprints(LabPki pki) =>
    [
        pki.RootCa.Thumbprint, pki.IssuingCa.Thumbprint, pki.ServerCertificate.Thumbprint,
        pki.ConnectionPointCertificate.Thumbprint, pki.SiteSystemCertificate.Thumbprint, pki.SiteSigningCertificate.Thumbprint,
        .. pki.Clients.Select(c => c.Certificate.Thumbprint),
    ];
}
