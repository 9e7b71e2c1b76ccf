namespace CmgSim.ManagementPoint.SiteDatabase;

/// <summary>A registered client (the product's System_DISC / ClientKeyData rows, reduced to what the MP needs).</summary>
public sealed record ClientRecord
{
    public required string SmsId { get; init; }

    public string? NetbiosName { get; init; }

    public string? Fqdn { get; init; }

    /// <summary>Uppercase hex CryptoAPI PUBLICKEYBLOB of the signing key: what <c>clientauth</c> hooks are matched against.</summary>
    public required string SigningPublicKey { get; init; }

    public byte[]? SigningCertificate { get; init; }

    public byte[]? EncryptionCertificate { get; init; }

    public RegistrationApprovalStatus ApprovalStatus { get; init; }

    /// <summary>Which CCM_POST path registered it (<see cref="CcmMessaging.CcmAuthPath"/> name).</summary>
    public required string RegisteredVia { get; init; }

    public string? AgentIdentity { get; init; }

    public DateTimeOffset RegisteredAt { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }

    public int RegistrationCount { get; init; } = 1;

    /// <summary>The Microsoft Entra device id of a client that registered with an Entra token; its CCM tokens must carry it.</summary>
    public Guid? EntraDeviceId { get; init; }
}

/// <summary>
/// Approval as the registration reply reports it. Only 3 (Entra/token) is seen in a public log [V];
/// 0 and 1 are the simulator's reading of "unapproved"/"approved" [I].
/// </summary>
public enum RegistrationApprovalStatus
{
    NotApproved = 0,
    Approved = 1,
    ApprovedByToken = 3,
}
