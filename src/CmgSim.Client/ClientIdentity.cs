using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CmgSim.Client;

/// <summary>
/// A client's ConfigMgr identity (client-protocols §3.1): an RSA-2048 signing key in a self-signed
/// "ConfigMgr Client" certificate (used for both the signing and encryption slots, as tools do),
/// its SMSID once known, and its host name.
/// </summary>
public sealed class ClientIdentity : IDisposable
{
    private readonly bool _ownsKey;

    private ClientIdentity(RSA key, X509Certificate2 certificate, string hostName, string? smsId, bool ownsKey = true)
    {
        _ownsKey = ownsKey;
        Key = key;
        Certificate = certificate;
        HostName = hostName;
        SmsId = smsId;
    }

    public RSA Key { get; }

    public X509Certificate2 Certificate { get; }

    /// <summary>NetBIOS name (<c>SourceHost</c>, <c>AuthSenderMachine</c>).</summary>
    public string HostName { get; }

    /// <summary><c>GUID:…</c>; null until the MP assigned one, or the client's own proposal.</summary>
    public string? SmsId { get; set; }

    /// <summary>The 90-day site client token the MP issued at a bulk-token registration (null for PKI and Entra clients).</summary>
    public string? SiteClientToken { get; set; }

    /// <param name="notBefore">Certificate validity start; pass the injected clock's time.</param>
    public static ClientIdentity Create(string hostName, DateTimeOffset notBefore, string? proposedSmsId = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(hostName);
        var key = RSA.Create(2048);
        try
        {
            var request = new CertificateRequest("CN=ConfigMgr Client", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.DataEncipherment, critical: false));
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.4.1.311.101"), new Oid("1.3.6.1.4.1.311.101.2")], critical: false));
            var certificate = request.CreateSelfSigned(notBefore.AddMinutes(-5), notBefore.AddYears(1));
            return new ClientIdentity(key, certificate, hostName.ToUpperInvariant(), proposedSmsId);
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A client whose key (and self-signed certificate) is shared with other simulated clients: RSA key generation
    /// would dominate a load test's ramp of thousands of clients. Each proposes its own SMSID, so the MP keeps
    /// them apart; the caller owns <paramref name="sharedKey"/> and <paramref name="sharedCertificate"/>.
    /// </summary>
    public static ClientIdentity CreateShared(string hostName, RSA sharedKey, X509Certificate2 sharedCertificate, string proposedSmsId)
    {
        ArgumentException.ThrowIfNullOrEmpty(hostName);
        ArgumentNullException.ThrowIfNull(sharedKey);
        ArgumentNullException.ThrowIfNull(sharedCertificate);
        return new ClientIdentity(sharedKey, sharedCertificate, hostName.ToUpperInvariant(), proposedSmsId, ownsKey: false);
    }

    public void Dispose()
    {
        if (_ownsKey)
        {
            Certificate.Dispose();
            Key.Dispose();
        }
    }
}
