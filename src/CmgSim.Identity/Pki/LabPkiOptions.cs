namespace CmgSim.Identity.Pki;

/// <summary>Names and key type of the lab PKI created by <see cref="LabPki.LoadOrCreate"/>.</summary>
public sealed class LabPkiOptions
{
    /// <summary>CN of the CMG server-auth certificate; the product's "service name".</summary>
    public string ServiceName { get; set; } = "GraniteFalls.contoso.com";

    /// <summary>Carried for callers that need it; no certificate embeds it.</summary>
    public string SiteCode { get; set; } = "PS1";

    public LabKeyAlgorithm KeyAlgorithm { get; set; } = LabKeyAlgorithm.EcdsaP256;

    /// <summary>Number of client-auth certificates, named <c>client-01</c> .. <c>client-NN</c>.</summary>
    public int ClientCount { get; set; } = 3;

    /// <summary>CN of the CMG connection point's client-auth certificate.</summary>
    public string ConnectionPointName { get; set; } = "CMGCP01.contoso.com";

    /// <summary>CN of the MP/SUP server-auth certificate and SAN of the site signing certificate.</summary>
    public string SiteSystemName { get; set; } = "MP01.contoso.com";

    /// <summary>
    /// Password of the <c>.pfx</c> files. <see langword="null"/> (the default) writes them without a password:
    /// the same keys sit unencrypted next to them as PKCS#8 PEM, so a password would protect nothing.
    /// Load with <c>X509CertificateLoader.LoadPkcs12FromFile(path, null)</c> or <c>openssl pkcs12 -passin pass:</c>.
    /// </summary>
    public string? PfxPassword { get; set; }

    /// <summary>Lifetime of each CRL (thisUpdate to nextUpdate).</summary>
    public TimeSpan CrlValidity { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// Base URL written into the CRL distribution point extension (file name appended).
    /// Nominal: nothing serves it unless the lab does; <see langword="null"/> omits the extension.
    /// </summary>
    public string? CrlDistributionPointBaseUrl { get; set; } = "http://localhost/pki/";
}
