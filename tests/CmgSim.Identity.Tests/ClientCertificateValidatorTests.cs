using System.Security.Cryptography.X509Certificates;
using CmgSim.Identity.Certificates;
using CmgSim.Identity.Pki;
using Microsoft.Extensions.Logging;

namespace CmgSim.Identity.Tests;

public sealed class ClientCertificateValidatorTests
{
    [Fact]
    public void Lab_client_and_connection_point_certificates_are_valid()
    {
        using var lab = new TestLab();
        var validator = lab.CreateValidator();

        foreach (var client in lab.Pki.Clients)
        {
            var result = validator.Validate(client.Certificate);
            Assert.True(result.IsValid, result.Detail);
            Assert.Equal(CertificateRejectReason.None, result.Reason);
        }

        Assert.True(validator.Validate(lab.Pki.ConnectionPointCertificate).IsValid);
        Assert.DoesNotContain(lab.Logger.Entries, e => e.Level == LogLevel.Warning);
    }

    [Fact]
    public void Certificate_loaded_from_the_pem_files_is_valid()
    {
        using var lab = new TestLab();
        using var fromDisk = X509CertificateLoader.LoadCertificateFromFile(lab.Pki.Clients[0].CertPemPath);

        Assert.True(lab.CreateValidator().Validate(fromDisk).IsValid);
    }

    [Fact]
    public void No_certificate_is_Missing_and_logged_once()
    {
        using var lab = new TestLab();

        var result = lab.CreateValidator().Validate(null);

        Assert.Equal(CertificateRejectReason.Missing, result.Reason);
        Assert.Equal("no client certificate was presented", result.Detail);
        var warning = Assert.Single(lab.Logger.Entries, e => e.Level == LogLevel.Warning);
        Assert.Equal(4001, warning.EventId.Id);
        Assert.Contains("Missing", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Certificate_from_an_unknown_CA_is_Untrusted()
    {
        using var lab = new TestLab();
        using var rogue = LabPki.CreateUntrustedClientCertificate("rogue", lab.Time);

        var result = lab.CreateValidator().Validate(rogue);

        Assert.Equal(CertificateRejectReason.Untrusted, result.Reason);
        Assert.StartsWith("chain does not end at a trusted root: CN=CmgSim Untrusted Root", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Certificate_from_another_lab_with_the_same_CA_names_is_Untrusted()
    {
        using var lab = new TestLab();
        using var other = new TestLab(new LabPkiOptions { ClientCount = 1 }, fresh: true);

        var result = lab.CreateValidator().Validate(other.Pki.Clients[0].Certificate);

        Assert.Equal(CertificateRejectReason.Untrusted, result.Reason);
    }

    [Fact]
    public void Without_trusted_roots_everything_is_Untrusted()
    {
        using var lab = new TestLab();
        var validator = new ClientCertificateValidator(new ClientCertificateValidatorOptions(), lab.Time, lab.Logger);

        Assert.Equal(CertificateRejectReason.Untrusted, validator.Validate(lab.Pki.Clients[0].Certificate).Reason);
    }

    [Fact]
    public void Missing_intermediate_is_Untrusted()
    {
        using var lab = new TestLab();
        var validator = lab.CreateValidator(o => o.Intermediates.Clear());

        var result = validator.Validate(lab.Pki.Clients[0].Certificate);

        Assert.Equal(CertificateRejectReason.Untrusted, result.Reason);
        Assert.Contains("CN=CmgSim Lab Issuing CA", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Certificate_issued_already_expired_is_Expired()
    {
        using var lab = new TestLab();
        var expired = lab.Pki.IssueClientCertificate("old-laptop", TestLab.Start.AddYears(-2), TestLab.Start.AddDays(-1));

        var result = lab.CreateValidator().Validate(expired.Certificate);

        Assert.Equal(CertificateRejectReason.Expired, result.Reason);
        Assert.Contains("CN=old-laptop", result.Detail, StringComparison.Ordinal);
        Assert.Contains("expired on 2026-11-26T03:00:00Z", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Certificate_becomes_Expired_when_the_clock_passes_NotAfter()
    {
        using var lab = new TestLab();
        var validator = lab.CreateValidator();
        var client = lab.Pki.Clients[0].Certificate;
        Assert.True(validator.Validate(client).IsValid);

        lab.Time.Advance(TimeSpan.FromDays(366));

        Assert.Equal(CertificateRejectReason.Expired, validator.Validate(client).Reason);
    }

    [Fact]
    public void Certificate_valid_from_tomorrow_is_NotYetValid()
    {
        using var lab = new TestLab();
        var future = lab.Pki.IssueClientCertificate("future", TestLab.Start.AddDays(1), TestLab.Start.AddDays(30));

        var result = lab.CreateValidator().Validate(future.Certificate);

        Assert.Equal(CertificateRejectReason.NotYetValid, result.Reason);
        Assert.Contains("not valid before 2026-11-28T03:00:00Z", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Revoked_certificate_is_rejected_without_restarting_the_validator()
    {
        using var lab = new TestLab();
        var validator = lab.CreateValidator();
        var victim = lab.Pki.Clients[1].Certificate;
        Assert.True(validator.Validate(victim).IsValid);

        lab.Pki.Revoke(victim);
        var result = validator.Validate(victim);

        Assert.Equal(CertificateRejectReason.Revoked, result.Reason);
        Assert.Equal(
            $"certificate CN=client-02 (serial {victim.SerialNumber}) was revoked on 2026-11-27T03:00:00Z by CN=CmgSim Lab Issuing CA",
            result.Detail);
        Assert.True(validator.Validate(lab.Pki.Clients[0].Certificate).IsValid);
        Assert.Single(lab.Logger.Entries, e => e.Level == LogLevel.Warning);
    }

    [Fact]
    public void Revocation_is_seen_by_a_validator_built_from_a_fresh_LoadOrCreate()
    {
        using var lab = new TestLab();
        var victim = lab.Pki.Clients[0].Certificate.Thumbprint;
        lab.Pki.Revoke(lab.Pki.Clients[0].Certificate);

        var reloaded = lab.Reload();

        Assert.Equal(victim, reloaded.Clients[0].Certificate.Thumbprint);
        Assert.Equal(CertificateRejectReason.Revoked, lab.CreateValidator().Validate(reloaded.Clients[0].Certificate).Reason);
    }

    [Fact]
    public void Revoked_issuing_CA_rejects_its_leaves_through_the_root_CRL()
    {
        using var lab = new TestLab();
        lab.Pki.Revoke(lab.Pki.IssuingCa);

        var result = lab.CreateValidator().Validate(lab.Pki.Clients[0].Certificate);

        Assert.Equal(CertificateRejectReason.Revoked, result.Reason);
        Assert.Contains("CN=CmgSim Lab Issuing CA", result.Detail, StringComparison.Ordinal);
        Assert.EndsWith("by CN=CmgSim Lab Root CA", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Server_auth_only_certificate_is_MissingClientAuthEku()
    {
        using var lab = new TestLab();
        var serverOnly = lab.Pki.IssueClientCertificate(
            "web01", TestLab.Start.AddHours(-1), TestLab.Start.AddDays(30), clientAuthEku: false, serverAuthEku: true);

        var result = lab.CreateValidator().Validate(serverOnly.Certificate);

        Assert.Equal(CertificateRejectReason.MissingClientAuthEku, result.Reason);
        Assert.Contains("1.3.6.1.5.5.7.3.2", result.Detail, StringComparison.Ordinal);
        Assert.Equal(CertificateRejectReason.MissingClientAuthEku, lab.CreateValidator().Validate(lab.Pki.ServerCertificate).Reason);
    }

    [Fact]
    public void Certificate_without_any_EKU_is_MissingClientAuthEku()
    {
        using var lab = new TestLab();
        var noEku = lab.Pki.IssueClientCertificate("bare", TestLab.Start.AddHours(-1), TestLab.Start.AddDays(30), clientAuthEku: false);

        var result = lab.CreateValidator().Validate(noEku.Certificate);

        Assert.Equal(CertificateRejectReason.MissingClientAuthEku, result.Reason);
        Assert.Contains("no EKU extension", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Stale_CRL_is_RevocationUnknown()
    {
        using var lab = new TestLab();
        var validator = lab.CreateValidator();

        lab.Time.Advance(TimeSpan.FromDays(8));
        var result = validator.Validate(lab.Pki.Clients[0].Certificate);

        Assert.Equal(CertificateRejectReason.RevocationUnknown, result.Reason);
        Assert.Contains("stale", result.Detail, StringComparison.Ordinal);
        Assert.Contains("2026-12-04T03:00:00Z", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadOrCreate_regenerates_a_stale_CRL_and_keeps_revocations()
    {
        using var lab = new TestLab();
        lab.Pki.Revoke(lab.Pki.Clients[2].Certificate);
        CertificateRevocationListBuilder.Load(File.ReadAllBytes(lab.Pki.CrlPath), out var before);
        var validator = lab.CreateValidator();

        lab.Time.Advance(TimeSpan.FromDays(8));
        lab.Reload();

        CertificateRevocationListBuilder.Load(File.ReadAllBytes(lab.Pki.CrlPath), out var after);
        Assert.Equal(before + 1, after);
        Assert.True(validator.Validate(lab.Pki.Clients[0].Certificate).IsValid);
        Assert.Equal(CertificateRejectReason.Revoked, validator.Validate(lab.Pki.Clients[2].Certificate).Reason);
    }

    [Fact]
    public void CheckRevocation_false_ignores_revocation_and_stale_CRLs()
    {
        using var lab = new TestLab();
        lab.Pki.Revoke(lab.Pki.Clients[0].Certificate);
        var validator = lab.CreateValidator(o => o.CheckRevocation = false);

        Assert.True(validator.Validate(lab.Pki.Clients[0].Certificate).IsValid);
        lab.Time.Advance(TimeSpan.FromDays(30));
        Assert.True(validator.Validate(lab.Pki.Clients[1].Certificate).IsValid);
    }

    [Fact]
    public void No_CRL_for_the_issuer_is_RevocationUnknown()
    {
        using var lab = new TestLab();
        var validator = lab.CreateValidator(o => o.CrlPaths.Clear());

        var result = validator.Validate(lab.Pki.Clients[0].Certificate);

        Assert.Equal(CertificateRejectReason.RevocationUnknown, result.Reason);
        Assert.Contains("no CRL from CN=CmgSim Lab Issuing CA", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_CRL_file_is_RevocationUnknown_and_named_in_the_detail()
    {
        using var lab = new TestLab();
        var missing = Path.Combine(lab.Root, "nowhere.crl");
        var validator = lab.CreateValidator(o =>
        {
            o.CrlPaths.Remove(lab.Pki.CrlPath);
            o.CrlPaths.Add(missing);
        });

        var result = validator.Validate(lab.Pki.Clients[0].Certificate);

        Assert.Equal(CertificateRejectReason.RevocationUnknown, result.Reason);
        Assert.Contains(missing, result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void End_certificate_only_needs_just_the_issuing_CA_CRL()
    {
        using var lab = new TestLab();
        var validator = lab.CreateValidator(o =>
        {
            o.CrlPaths.Remove(lab.Pki.RootCrlPath);
            o.RevocationFlag = X509RevocationFlag.EndCertificateOnly;
        });

        Assert.True(validator.Validate(lab.Pki.Clients[0].Certificate).IsValid);
    }

    [Fact]
    public void PEM_CRL_files_work_too()
    {
        using var lab = new TestLab();
        var bundle = Path.Combine(lab.Root, "bundle.crl.pem");
        File.WriteAllText(bundle, File.ReadAllText(lab.Pki.RootCrlPath + ".pem") + File.ReadAllText(lab.Pki.CrlPath + ".pem"));
        lab.Pki.Revoke(lab.Pki.Clients[0].Certificate);
        File.WriteAllText(bundle, File.ReadAllText(lab.Pki.RootCrlPath + ".pem") + File.ReadAllText(lab.Pki.CrlPath + ".pem"));
        var validator = lab.CreateValidator(o =>
        {
            o.CrlPaths.Clear();
            o.CrlPaths.Add(bundle);
        });

        Assert.True(validator.Validate(lab.Pki.Clients[1].Certificate).IsValid);
        Assert.Equal(CertificateRejectReason.Revoked, validator.Validate(lab.Pki.Clients[0].Certificate).Reason);
    }

    [Fact]
    public void CRL_signed_by_a_different_key_is_RevocationUnknown()
    {
        using var lab = new TestLab();
        using var impostor = new TestLab(new LabPkiOptions { ClientCount = 0 }, fresh: true);

        // Same issuer name, different key: the signature check must catch it.
        var validator = lab.CreateValidator(o =>
        {
            o.CrlPaths.Remove(lab.Pki.CrlPath);
            o.CrlPaths.Add(impostor.Pki.CrlPath);
        });
        var result = validator.Validate(lab.Pki.Clients[0].Certificate);

        Assert.Equal(CertificateRejectReason.RevocationUnknown, result.Reason);
        Assert.Contains("invalid signature", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Garbage_CRL_file_is_RevocationUnknown_and_recovers_when_rewritten()
    {
        using var lab = new TestLab();
        var good = File.ReadAllBytes(lab.Pki.CrlPath);
        var copy = Path.Combine(lab.Root, "copy.crl");
        File.WriteAllText(copy, "not a crl");
        var validator = lab.CreateValidator(o =>
        {
            o.CrlPaths.Remove(lab.Pki.CrlPath);
            o.CrlPaths.Add(copy);
        });

        var result = validator.Validate(lab.Pki.Clients[0].Certificate);
        Assert.Equal(CertificateRejectReason.RevocationUnknown, result.Reason);
        Assert.Contains("cannot be read", result.Detail, StringComparison.Ordinal);

        File.WriteAllBytes(copy, good);
        Assert.True(validator.Validate(lab.Pki.Clients[0].Certificate).IsValid);
    }

    [Fact]
    public void Rsa2048_option_creates_an_RSA_PKI_that_validates_and_revokes()
    {
        using var lab = new TestLab(new LabPkiOptions { KeyAlgorithm = LabKeyAlgorithm.Rsa2048, ClientCount = 1 });
        using (var rsa = lab.Pki.ServerCertificate.GetRSAPrivateKey())
        {
            Assert.Equal(2048, rsa!.KeySize);
        }

        var client = lab.Pki.Clients[0].Certificate;
        Assert.Equal("sha256RSA", client.SignatureAlgorithm.FriendlyName);
        Assert.Equal(
            X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment,
            client.Extensions.OfType<X509KeyUsageExtension>().Single().KeyUsages);
        using (var chain = LabPkiTests.CustomRootChain(lab.Pki, lab.Time.GetUtcNow()))
        {
            Assert.True(chain.Build(lab.Pki.ServerCertificate));
        }

        var validator = lab.CreateValidator();
        Assert.True(validator.Validate(client).IsValid);
        lab.Pki.Revoke(client);
        Assert.Equal(CertificateRejectReason.Revoked, validator.Validate(client).Reason);
        Assert.True(validator.Validate(lab.Pki.ConnectionPointCertificate).IsValid);

        // Switching the algorithm replaces the whole PKI.
        var oldRoot = lab.Pki.RootCa.Thumbprint;
        lab.Options.KeyAlgorithm = LabKeyAlgorithm.EcdsaP256;
        lab.Reload();
        Assert.NotEqual(oldRoot, lab.Pki.RootCa.Thumbprint);
        Assert.NotNull(lab.Pki.ServerCertificate.GetECDsaPublicKey());
    }

    [Fact]
    public async Task Validate_is_thread_safe()
    {
        using var lab = new TestLab();
        var validator = lab.CreateValidator();
        var clients = lab.Pki.Clients.Select(c => c.Certificate).ToArray();

        var results = await Task.WhenAll(Enumerable.Range(0, 64).Select(i => Task.Run(() => validator.Validate(clients[i % clients.Length]))));

        Assert.All(results, r => Assert.True(r.IsValid, r.Detail));
    }
}
