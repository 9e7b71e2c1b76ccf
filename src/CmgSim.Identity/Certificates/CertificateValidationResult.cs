namespace CmgSim.Identity.Certificates;

/// <summary>Outcome of <see cref="ClientCertificateValidator.Validate"/>; <paramref name="Detail"/> is meant for a log line.</summary>
public readonly record struct CertificateValidationResult(CertificateRejectReason Reason, string Detail)
{
    public bool IsValid => Reason == CertificateRejectReason.None;
}
