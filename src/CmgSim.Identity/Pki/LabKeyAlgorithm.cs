namespace CmgSim.Identity.Pki;

/// <summary>Key type for the lab CAs and the certificates they issue.</summary>
public enum LabKeyAlgorithm
{
    /// <summary>ECDSA on NIST P-256: fast to generate, fine for TLS 1.2/1.3.</summary>
    EcdsaP256,

    /// <summary>RSA 2048, what the product documents for CMG certificates (slower to generate).</summary>
    Rsa2048,
}
