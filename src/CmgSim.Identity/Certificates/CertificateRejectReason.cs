namespace CmgSim.Identity.Certificates;

/// <summary>Why a client certificate was refused; the CMG answers all of them with 403 CMGConnector_Clientcertificaterequired.</summary>
public enum CertificateRejectReason
{
    None,
    Missing,
    Untrusted,
    Expired,
    NotYetValid,
    Revoked,

    /// <summary>No usable CRL: missing, stale, not yet valid or badly signed (CAPI2 0x80092013 in the product).</summary>
    RevocationUnknown,
    MissingClientAuthEku,
    ChainInvalid,
}
