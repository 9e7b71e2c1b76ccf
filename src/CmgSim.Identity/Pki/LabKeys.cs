using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CmgSim.Identity.Pki;

/// <summary>Hides the ECDSA/RSA split from the rest of the PKI code.</summary>
internal static class LabKeys
{
    private const string EcPublicKeyOid = "1.2.840.10045.2.1";
    private const string RsaPublicKeyOid = "1.2.840.113549.1.1.1";

    public static AsymmetricAlgorithm Create(LabKeyAlgorithm algorithm) => algorithm switch
    {
        LabKeyAlgorithm.EcdsaP256 => ECDsa.Create(ECCurve.NamedCurves.nistP256),
        LabKeyAlgorithm.Rsa2048 => RSA.Create(2048),
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "Unknown key algorithm."),
    };

    public static CertificateRequest CreateRequest(X500DistinguishedName subject, AsymmetricAlgorithm key) => key switch
    {
        ECDsa ecdsa => new CertificateRequest(subject, ecdsa, HashAlgorithmName.SHA256),
        RSA rsa => new CertificateRequest(subject, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
        _ => throw new NotSupportedException($"Unsupported key type {key.GetType().Name}."),
    };

    public static X509SignatureGenerator CreateGenerator(AsymmetricAlgorithm key) => key switch
    {
        ECDsa ecdsa => X509SignatureGenerator.CreateForECDsa(ecdsa),
        RSA rsa => X509SignatureGenerator.CreateForRSA(rsa, RSASignaturePadding.Pkcs1),
        _ => throw new NotSupportedException($"Unsupported key type {key.GetType().Name}."),
    };

    public static X509Certificate2 CopyWithPrivateKey(X509Certificate2 certificate, AsymmetricAlgorithm key) => key switch
    {
        ECDsa ecdsa => certificate.CopyWithPrivateKey(ecdsa),
        RSA rsa => certificate.CopyWithPrivateKey(rsa),
        _ => throw new NotSupportedException($"Unsupported key type {key.GetType().Name}."),
    };

    public static AsymmetricAlgorithm GetPrivateKey(X509Certificate2 certificate) =>
        (AsymmetricAlgorithm?)certificate.GetECDsaPrivateKey()
        ?? certificate.GetRSAPrivateKey()
        ?? throw new InvalidOperationException($"Certificate {certificate.Subject} has no usable private key.");

    public static LabKeyAlgorithm? GetAlgorithm(X509Certificate2 certificate) => certificate.PublicKey.Oid.Value switch
    {
        EcPublicKeyOid => LabKeyAlgorithm.EcdsaP256,
        RsaPublicKeyOid => LabKeyAlgorithm.Rsa2048,
        _ => null,
    };

    public static bool IsRsa(X509Certificate2 certificate) => certificate.PublicKey.Oid.Value == RsaPublicKeyOid;
}
