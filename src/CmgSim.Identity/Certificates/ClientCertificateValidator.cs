using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;

namespace CmgSim.Identity.Certificates;

/// <summary>
/// What IIS on a CMG VM does with a client certificate: chain to an uploaded trusted root, time validity,
/// client-auth EKU, and (optionally) revocation against local CRL files. Thread-safe.
/// </summary>
public sealed class ClientCertificateValidator
{
    private const string ClientAuthOid = "1.3.6.1.5.5.7.3.2";

    // Handled separately (trust, time) or meaningless with RevocationMode.NoCheck.
    private const X509ChainStatusFlags HandledFlags =
        X509ChainStatusFlags.UntrustedRoot | X509ChainStatusFlags.PartialChain
        | X509ChainStatusFlags.NotTimeValid | X509ChainStatusFlags.NotTimeNested
        | X509ChainStatusFlags.RevocationStatusUnknown | X509ChainStatusFlags.OfflineRevocation;

    private readonly X509Certificate2Collection _trustedRoots;
    private readonly X509Certificate2Collection _intermediates;
    private readonly bool _checkRevocation;
    private readonly X509RevocationFlag _revocationFlag;
    private readonly string _requiredEku;
    private readonly TimeSpan _crlClockSkew;
    private readonly CrlStore _crls;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<ClientCertificateValidator> _logger;

    public ClientCertificateValidator(ClientCertificateValidatorOptions options, TimeProvider timeProvider, ILogger<ClientCertificateValidator> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(logger);
        // Own copies (public part only), so a caller disposing its certificates cannot break validation.
        _trustedRoots = [.. options.TrustedRoots.Select(c => X509CertificateLoader.LoadCertificate(c.RawData))];
        _intermediates = [.. options.Intermediates.Select(c => X509CertificateLoader.LoadCertificate(c.RawData))];
        _checkRevocation = options.CheckRevocation;
        _revocationFlag = options.RevocationFlag;
        _requiredEku = options.RequiredEku ?? string.Empty;
        _crlClockSkew = options.CrlClockSkew;
        _timeProvider = timeProvider;
        _logger = logger;
        _crls = new CrlStore(options.CrlPaths, logger);
    }

    /// <summary>
    /// Changes whenever what a verdict depends on besides the certificate and the clock changes (a CRL
    /// file was rewritten). Callers that cache verdicts, per TLS connection for instance, compare it.
    /// Costs one file stat per configured CRL.
    /// </summary>
    public long TrustVersion => _checkRevocation ? _crls.GetCurrent().Version : 0;

    /// <summary>Validates a presented client certificate; every rejection is logged once, at Warning.</summary>
    public CertificateValidationResult Validate(X509Certificate2? certificate)
    {
        var result = Evaluate(certificate);
        if (!result.IsValid)
        {
            ValidatorLog.CertificateRejected(_logger, result.Reason, result.Detail);
        }

        return result;
    }

    private CertificateValidationResult Evaluate(X509Certificate2? certificate)
    {
        if (certificate is null)
        {
            return Reject(CertificateRejectReason.Missing, "no client certificate was presented");
        }

        if (_trustedRoots.Count == 0)
        {
            return Reject(CertificateRejectReason.Untrusted, $"chain does not end at a trusted root: no trusted root certificates are configured (presented certificate {Describe(certificate)})");
        }

        var now = _timeProvider.GetUtcNow();
        using var chain = new X509Chain();
        var policy = chain.ChainPolicy;
        policy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        policy.CustomTrustStore.AddRange(_trustedRoots);
        policy.ExtraStore.AddRange(_intermediates);

        // .NET cannot be handed a CRL file; revocation is checked below against the configured files.
        policy.RevocationMode = X509RevocationMode.NoCheck;
        policy.VerificationTime = now.UtcDateTime;
        policy.VerificationTimeIgnored = false;
        policy.DisableCertificateDownloads = true;
        try
        {
            try
            {
                chain.Build(certificate);
            }
            catch (CryptographicException ex)
            {
                return Reject(CertificateRejectReason.ChainInvalid, $"chain of {Describe(certificate)} cannot be built: {ex.Message}");
            }

            var elements = chain.ChainElements.Select(e => e.Certificate).ToArray();
            return CheckTrust(certificate, chain, elements)
                ?? CheckTime(certificate, elements, now)
                ?? CheckOtherChainErrors(certificate, chain)
                ?? CheckEku(certificate)
                ?? CheckRevocation(certificate, elements, now)
                ?? new CertificateValidationResult(CertificateRejectReason.None, $"certificate {Describe(certificate)} is valid");
        }
        finally
        {
            foreach (var element in chain.ChainElements)
            {
                element.Certificate.Dispose();
            }
        }
    }

    private static CertificateValidationResult? CheckTrust(X509Certificate2 certificate, X509Chain chain, X509Certificate2[] elements)
    {
        var flags = Aggregate(chain.ChainStatus);
        if ((flags & (X509ChainStatusFlags.UntrustedRoot | X509ChainStatusFlags.PartialChain)) == 0)
        {
            return null;
        }

        var last = elements.Length > 0 ? elements[^1] : certificate;
        var end = (flags & X509ChainStatusFlags.PartialChain) != 0
            ? $"{last.Issuer} (issuer of {last.Subject}) is neither a trusted root nor a configured intermediate"
            : $"{last.Subject} is not a trusted root";
        return Reject(CertificateRejectReason.Untrusted, $"chain does not end at a trusted root: {end} (presented certificate {Describe(certificate)})");
    }

    private static CertificateValidationResult? CheckTime(X509Certificate2 certificate, X509Certificate2[] elements, DateTimeOffset now)
    {
        // Compared directly rather than trusting NotTimeValid alone: the reason must say which bound failed.
        for (var i = 0; i < elements.Length; i++)
        {
            var element = i == 0 ? certificate : elements[i];
            var notBefore = new DateTimeOffset(element.NotBefore.ToUniversalTime());
            var notAfter = new DateTimeOffset(element.NotAfter.ToUniversalTime());
            var what = i == 0 ? "certificate" : "CA certificate";
            if (now < notBefore)
            {
                return Reject(CertificateRejectReason.NotYetValid,
                    $"{what} {Describe(element)} is not valid before {Format(notBefore)} (now {Format(now)})");
            }

            if (now > notAfter)
            {
                return Reject(CertificateRejectReason.Expired,
                    $"{what} {Describe(element)} expired on {Format(notAfter)} (now {Format(now)})");
            }
        }

        return null;
    }

    private static CertificateValidationResult? CheckOtherChainErrors(X509Certificate2 certificate, X509Chain chain)
    {
        foreach (var element in chain.ChainElements)
        {
            foreach (var status in element.ChainElementStatus)
            {
                if ((status.Status & ~HandledFlags) != 0)
                {
                    return Reject(CertificateRejectReason.ChainInvalid,
                        $"chain of {Describe(certificate)} is invalid at {element.Certificate.Subject}: {status.Status & ~HandledFlags} ({status.StatusInformation.Trim()})");
                }
            }
        }

        var remaining = Aggregate(chain.ChainStatus) & ~HandledFlags;
        return remaining == 0
            ? null
            : Reject(CertificateRejectReason.ChainInvalid, $"chain of {Describe(certificate)} is invalid: {remaining}");
    }

    private CertificateValidationResult? CheckEku(X509Certificate2 certificate)
    {
        if (_requiredEku.Length == 0)
        {
            return null;
        }

        var present = certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>()
            .SelectMany(e => e.EnhancedKeyUsages.Cast<Oid>())
            .Select(o => o.Value ?? string.Empty)
            .ToList();
        if (present.Contains(_requiredEku, StringComparer.Ordinal))
        {
            return null;
        }

        var required = _requiredEku == ClientAuthOid ? $"Client Authentication ({ClientAuthOid})" : _requiredEku;
        var list = present.Count == 0 ? "no EKU extension" : "EKUs " + string.Join(", ", present);
        return Reject(CertificateRejectReason.MissingClientAuthEku,
            $"certificate {Describe(certificate)} lacks the required EKU {required}; it has {list}");
    }

    private CertificateValidationResult? CheckRevocation(X509Certificate2 certificate, X509Certificate2[] elements, DateTimeOffset now)
    {
        if (!_checkRevocation || elements.Length == 0)
        {
            return null;
        }

        var count = _revocationFlag switch
        {
            X509RevocationFlag.EndCertificateOnly => 1,
            X509RevocationFlag.EntireChain => elements.Length,
            _ => elements.Length - 1,
        };

        var snapshot = _crls.GetCurrent();
        for (var i = 0; i < count; i++)
        {
            var subject = i == 0 ? certificate : elements[i];
            var issuer = i + 1 < elements.Length ? elements[i + 1] : elements[i];
            var result = CheckRevocation(subject, issuer, snapshot, now);
            if (result is not null)
            {
                return result;
            }
        }

        return null;
    }

    private CertificateValidationResult? CheckRevocation(X509Certificate2 subject, X509Certificate2 issuer, CrlSnapshot snapshot, DateTimeOffset now)
    {
        var unknown = $"revocation status of {Describe(subject)} is unknown";
        var candidates = snapshot.Crls.Where(c => c.IsIssuedBy(issuer)).ToList();
        if (candidates.Count == 0)
        {
            var problems = snapshot.Problems.Count == 0 ? string.Empty : $" ({string.Join("; ", snapshot.Problems)})";
            return Reject(CertificateRejectReason.RevocationUnknown, $"{unknown}: no CRL from {issuer.Subject} is configured{problems}");
        }

        var crl = candidates.Where(c => c.IsSignatureValid(issuer)).MaxBy(c => c.ThisUpdate);
        if (crl is null)
        {
            return Reject(CertificateRejectReason.RevocationUnknown,
                $"{unknown}: the CRL {candidates[0].Source} claiming issuer {issuer.Subject} has an invalid signature");
        }

        if (crl.ThisUpdate > now + _crlClockSkew)
        {
            return Reject(CertificateRejectReason.RevocationUnknown,
                $"{unknown}: the CRL {crl.Source} from {issuer.Subject} is not valid before {Format(crl.ThisUpdate)} (now {Format(now)})");
        }

        if (crl.NextUpdate is { } nextUpdate && nextUpdate < now)
        {
            return Reject(CertificateRejectReason.RevocationUnknown,
                $"{unknown}: the CRL {crl.Source} from {issuer.Subject} is stale, its nextUpdate was {Format(nextUpdate)} (now {Format(now)})");
        }

        return crl.TryGetRevocation(subject, out var revokedOn)
            ? Reject(CertificateRejectReason.Revoked, $"certificate {Describe(subject)} was revoked on {Format(revokedOn)} by {issuer.Subject}")
            : null;
    }

    private static CertificateValidationResult Reject(CertificateRejectReason reason, string detail) => new(reason, detail);

    private static X509ChainStatusFlags Aggregate(X509ChainStatus[] statuses) =>
        statuses.Aggregate(X509ChainStatusFlags.NoError, (flags, s) => flags | s.Status);

    private static string Describe(X509Certificate2 certificate) =>
        $"{certificate.Subject} (serial {CertificateRevocationList.NormalizeSerial(certificate.SerialNumberBytes.Span)})";

    private static string Format(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
