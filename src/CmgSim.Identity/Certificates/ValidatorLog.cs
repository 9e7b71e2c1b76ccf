using Microsoft.Extensions.Logging;

namespace CmgSim.Identity.Certificates;

internal static partial class ValidatorLog
{
    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning, Message = "Client certificate rejected ({Reason}): {Detail}")]
    public static partial void CertificateRejected(ILogger logger, CertificateRejectReason reason, string detail);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Information, Message = "Loaded CRL {Path}: issuer {Issuer}, CRL number {CrlNumber}, {RevokedCount} revoked, next update {NextUpdate:o}")]
    public static partial void CrlLoaded(ILogger logger, string path, string issuer, string crlNumber, int revokedCount, DateTimeOffset? nextUpdate);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Warning, Message = "CRL file {Path} cannot be used: {Problem}")]
    public static partial void CrlUnusable(ILogger logger, string path, string problem);
}
