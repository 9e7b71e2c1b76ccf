using System.Net;
using System.Security.Cryptography.X509Certificates;
using CmgSim.Core.Errors;
using CmgSim.Identity.Certificates;
using CmgSim.Identity.Pki;
using CmgSim.Topology;

namespace CmgSim.FunctionalTests;

/// <summary>Every unusable client certificate gets the same 403, and the cloud service logs the exact reason.</summary>
[Collection(SharedLab.Name)]
public sealed class ClientCertificateTests(SharedLabFixture fixture)
{
    private readonly LabTopology _lab = fixture.Running.Lab;
    private readonly InMemoryLoggerProvider _logs = fixture.Running.Logs;

    [Fact]
    public async Task NoClientCertificate_OnMutualAuth_Gets403ClientCertificateRequired()
    {
        var before = _logs.Records.Count;

        await AssertRefusedAsync(null);

        await _logs.WaitForAsync(
            r => IsRejection(r, CertificateRejectReason.Missing) && r.Message.Contains("no client certificate was presented", StringComparison.Ordinal),
            TimeSpan.FromSeconds(5),
            "naming the missing certificate",
            since: before);
    }

    [Fact]
    public async Task UntrustedCaCertificate_Gets403AndLogsUntrusted()
    {
        using var certificate = LabPki.CreateUntrustedClientCertificate("untrusted-client", TimeProvider.System);

        await AssertRefusedAsync(certificate);

        await AssertReasonLoggedAsync(certificate, CertificateRejectReason.Untrusted);
    }

    [Fact]
    public async Task ExpiredCertificate_Gets403AndLogsExpired()
    {
        var now = TimeProvider.System.GetUtcNow();
        var expired = _lab.Pki.IssueClientCertificate("expired-client", now.AddDays(-30), now.AddDays(-1));

        await AssertRefusedAsync(expired.Certificate);

        await AssertReasonLoggedAsync(expired.Certificate, CertificateRejectReason.Expired);
    }

    [Fact]
    public async Task ServerAuthOnlyCertificate_Gets403AndLogsMissingClientAuthEku()
    {
        var now = TimeProvider.System.GetUtcNow();
        var serverOnly = _lab.Pki.IssueClientCertificate("server-auth-only", now.AddDays(-1), now.AddDays(30), clientAuthEku: false, serverAuthEku: true);

        await AssertRefusedAsync(serverOnly.Certificate);

        await AssertReasonLoggedAsync(serverOnly.Certificate, CertificateRejectReason.MissingClientAuthEku);
    }

    private async Task AssertRefusedAsync(X509Certificate2? certificate)
    {
        using var client = TestLab.CreateClient(_lab, certificate);

        using var response = await client.GetAsync(TestLab.MpPath(_lab, "/SMS_MP/.sms_aut?MPLIST"));

        TestLab.AssertCmgError(response, HttpStatusCode.Forbidden, CmgErrorInfo.ClientCertificateRequiredCode);
    }

    private Task AssertReasonLoggedAsync(X509Certificate2 certificate, CertificateRejectReason reason) =>
        AssertReasonLoggedAsync(_logs, certificate, reason);

    internal static async Task AssertReasonLoggedAsync(InMemoryLoggerProvider logs, X509Certificate2 certificate, CertificateRejectReason reason)
    {
        // The validator's line names the reason and the very certificate; the cloud service's line ties it to the 403.
        await logs.WaitForAsync(
            r => IsRejection(r, reason) && r.Message.Contains(certificate.Subject, StringComparison.Ordinal),
            TimeSpan.FromSeconds(5),
            $"with reason {reason} for {certificate.Subject}");
        await logs.WaitForAsync(
            r => r.Category.EndsWith("CmgForwardingHandler", StringComparison.Ordinal)
                && r.Message.Contains($"403 {CmgErrorInfo.ClientCertificateRequiredCode}", StringComparison.Ordinal)
                && r.Message.Contains($"({reason})", StringComparison.Ordinal)
                && r.Message.Contains(certificate.Subject, StringComparison.Ordinal),
            TimeSpan.FromSeconds(5),
            $"from the cloud service answering 403 for {certificate.Subject}");
    }

    private static bool IsRejection(LogRecord record, CertificateRejectReason reason) =>
        record.Category.EndsWith(nameof(ClientCertificateValidator), StringComparison.Ordinal)
        && record.Message.StartsWith($"Client certificate rejected ({reason})", StringComparison.Ordinal);
}

/// <summary>Revocation changes the lab's CRL, so it gets a topology of its own.</summary>
public sealed class ClientCertificateRevocationTests
{
    [Fact]
    public async Task RevokedCertificate_AfterCrlUpdate_Gets403AndLogsRevoked()
    {
        await using var running = await TestLab.StartWithLogsAsync();
        var lab = running.Lab;
        var now = TimeProvider.System.GetUtcNow();
        var client = lab.Pki.IssueClientCertificate("soon-revoked", now.AddDays(-1), now.AddDays(30));
        using var http = TestLab.CreateClient(lab, client.Certificate);
        using (var before = await http.GetAsync(TestLab.MpPath(lab, "/SMS_MP/.sms_aut?MPLIST")))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        lab.Pki.Revoke(client.Certificate);

        // Same client, same TLS connection: the CMG checks every request against the CRL it re-reads.
        using var after = await http.GetAsync(TestLab.MpPath(lab, "/SMS_MP/.sms_aut?MPLIST"));
        TestLab.AssertCmgError(after, HttpStatusCode.Forbidden, CmgErrorInfo.ClientCertificateRequiredCode);
        await ClientCertificateTests.AssertReasonLoggedAsync(running.Logs, client.Certificate, CertificateRejectReason.Revoked);
    }
}
