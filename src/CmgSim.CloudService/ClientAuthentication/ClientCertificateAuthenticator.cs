using System.Security.Cryptography.X509Certificates;
using CmgSim.Identity.Certificates;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;

namespace CmgSim.CloudService.ClientAuthentication;

/// <summary>
/// Judges the client certificate of a MutualAuth request. A TLS connection presents its certificate once,
/// so the verdict is kept on the connection (building an X509 chain per request would cost most of a
/// request's CPU), until the CRLs change, the certificate's validity ends, or a minute passes.
/// </summary>
internal sealed class ClientCertificateAuthenticator(CloudCertificateValidators validators, TimeProvider timeProvider)
{
    private static readonly TimeSpan MaxVerdictAge = TimeSpan.FromMinutes(1);

    public CertificateValidationResult Authenticate(HttpContext context)
    {
        var validator = validators.Clients;
        var certificate = context.Connection.ClientCertificate;
        var items = context.Features.Get<IConnectionItemsFeature>()?.Items;
        var trustVersion = validator.TrustVersion;
        var now = timeProvider.GetUtcNow();
        if (items is not null
            && items.TryGetValue(typeof(ConnectionVerdict), out var cached)
            && cached is ConnectionVerdict verdict
            && ReferenceEquals(verdict.Certificate, certificate)
            && verdict.TrustVersion == trustVersion
            && now < verdict.ValidUntil)
        {
            return verdict.Result;
        }

        var result = validator.Validate(certificate);
        if (items is not null)
        {
            var validUntil = now + MaxVerdictAge;
            if (certificate is not null && certificate.NotAfter.ToUniversalTime() < validUntil.UtcDateTime)
            {
                validUntil = new DateTimeOffset(certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero);
            }

            items[typeof(ConnectionVerdict)] = new ConnectionVerdict(certificate, result, trustVersion, validUntil);
        }

        return result;
    }

    private sealed record ConnectionVerdict(X509Certificate2? Certificate, CertificateValidationResult Result, long TrustVersion, DateTimeOffset ValidUntil);
}
