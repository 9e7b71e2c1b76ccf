using System.Security.Cryptography.X509Certificates;

namespace CmgSim.Identity.Certificates;

/// <summary>
/// What an admin configures on a CMG for PKI clients. Read once when the validator is constructed;
/// only the CRL files are re-read later (when they change on disk).
/// </summary>
public sealed class ClientCertificateValidatorOptions
{
    /// <summary>Trusted root CA certificates uploaded to the CMG; a chain must end at one of them.</summary>
    public IList<X509Certificate2> TrustedRoots { get; } = new List<X509Certificate2>();

    /// <summary>Intermediate CA certificates uploaded to the CMG.</summary>
    public IList<X509Certificate2> Intermediates { get; } = new List<X509Certificate2>();

    /// <summary>"Verify client certificate revocation"; the CMG wizard default is on.</summary>
    public bool CheckRevocation { get; set; } = true;

    /// <summary>Which chain elements need a CRL. The default, as IIS does, is every element except the root.</summary>
    public X509RevocationFlag RevocationFlag { get; set; } = X509RevocationFlag.ExcludeRoot;

    /// <summary>Local CRL files (DER, or PEM with one or more CRLs); re-read when their size or last-write time changes.</summary>
    public IList<string> CrlPaths { get; } = new List<string>();

    /// <summary>EKU the leaf must carry; client authentication by default. Empty skips the check.</summary>
    public string RequiredEku { get; set; } = "1.3.6.1.5.5.7.3.2";

    /// <summary>How far in the future a CRL's thisUpdate may be (issuer clock ahead of ours) before it is distrusted.</summary>
    public TimeSpan CrlClockSkew { get; set; } = TimeSpan.FromMinutes(5);
}
