namespace CmgSim.Messaging.Signing;

/// <summary>Which of the signature encodings seen in the wild verified (client-protocols §2.3).</summary>
public enum CcmSignatureStyle
{
    /// <summary>PKCS#1 v1.5 with DigestInfo, bytes reversed (CryptoAPI little-endian): the product and the Python tools.</summary>
    Reversed,

    /// <summary>PKCS#1 v1.5 over the bare SHA-256 hash (<c>CRYPT_NOHASHOID</c>), bytes reversed: PXEThief.</summary>
    ReversedNoDigestInfo,

    /// <summary>PKCS#1 v1.5 with DigestInfo, big-endian as .NET/OpenSSL produce it.</summary>
    BigEndian,

    /// <summary>PKCS#1 v1.5 over the bare hash, big-endian.</summary>
    BigEndianNoDigestInfo,
}
