using System.Net;
using System.Net.Security;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CmgSim.Identity.Certificates;

namespace CmgSim.Identity.Pki;

/// <summary>
/// A two-tier lab PKI (root CA → issuing CA → leaves) kept as PEM/PFX/CRL files in one folder, so the CLI,
/// the simulated servers, tests and curl all use the same certificates.
/// </summary>
public sealed class LabPki : IDisposable
{
    private const string ClientsFolder = "clients";
    private const string RootCaFile = "root-ca";
    private const string IssuingCaFile = "issuing-ca";
    private const string ServerFile = "cmg-server";
    private const string ConnectionPointFile = "connection-point";
    private const string SiteSystemFile = "site-system";
    private const string SiteSigningFile = "site-signing";
    private const string UntrustedRootName = "CmgSim Untrusted Root";

    // CAs are backdated a day and leaves an hour so small clock differences between lab machines do not matter.
    private static readonly TimeSpan CaBackdate = TimeSpan.FromDays(1);
    private static readonly TimeSpan LeafBackdate = TimeSpan.FromHours(1);
    private static readonly TimeSpan RootLifetime = TimeSpan.FromDays(20 * 365);
    private static readonly TimeSpan IssuingLifetime = TimeSpan.FromDays(10 * 365);
    private static readonly TimeSpan LeafLifetime = TimeSpan.FromDays(365);

    // A certificate that would expire within this margin is reissued rather than reused.
    private static readonly TimeSpan ReuseMargin = TimeSpan.FromDays(1);

    private static readonly PbeParameters InMemoryPbe = new(PbeEncryptionAlgorithm.Aes128Cbc, HashAlgorithmName.SHA256, 1);

    private readonly TimeProvider _timeProvider;
    private readonly LabKeyAlgorithm _keyAlgorithm;
    private readonly TimeSpan _crlValidity;
    private readonly string? _crlBaseUrl;
    private readonly X509Certificate2 _rootSigner;
    private readonly X509Certificate2 _issuingSigner;
    private readonly AsymmetricAlgorithm _issuingKey;
    private readonly Lock _gate = new();
    private readonly List<IDisposable> _owned = [];
    private bool _disposed;

    private LabPki(string directory, LabPkiOptions options, TimeProvider timeProvider, X509Certificate2 rootSigner, X509Certificate2 issuingSigner)
    {
        Directory = directory;
        _timeProvider = timeProvider;
        _keyAlgorithm = options.KeyAlgorithm;
        _crlValidity = options.CrlValidity;
        _crlBaseUrl = options.CrlDistributionPointBaseUrl;
        PfxPassword = options.PfxPassword;
        SiteCode = options.SiteCode;
        _rootSigner = rootSigner;
        _issuingSigner = issuingSigner;
        _issuingKey = LabKeys.GetPrivateKey(issuingSigner);
        RootCa = Own(X509CertificateLoader.LoadCertificate(rootSigner.RawData));
        IssuingCa = Own(X509CertificateLoader.LoadCertificate(issuingSigner.RawData));
    }

    /// <summary>The folder holding all files (full path).</summary>
    public string Directory { get; }

    public string SiteCode { get; }

    /// <summary>Password of every <c>.pfx</c> written; <see langword="null"/> means none.</summary>
    public string? PfxPassword { get; }

    /// <summary>Root CA, public part only.</summary>
    public X509Certificate2 RootCa { get; }

    /// <summary>Issuing CA, public part only.</summary>
    public X509Certificate2 IssuingCa { get; }

    /// <summary>CMG server-auth certificate with key; CN = service name; SAN DNS service name, localhost; IP 127.0.0.1, ::1.</summary>
    public X509Certificate2 ServerCertificate { get; private set; } = null!;

    /// <summary>CMG connection point's client-auth certificate with key (needed when the MP is HTTPS).</summary>
    public X509Certificate2 ConnectionPointCertificate { get; private set; } = null!;

    /// <summary>MP/SUP server-auth certificate with key; SAN DNS site system name, localhost; IP 127.0.0.1, ::1.</summary>
    public X509Certificate2 SiteSystemCertificate { get; private set; } = null!;

    /// <summary>Self-signed RSA 2048 "CN=Site Server" signing certificate with key, as the product creates.</summary>
    public X509Certificate2 SiteSigningCertificate { get; private set; } = null!;

    /// <summary>client-01 .. client-NN. Certificates from <see cref="IssueClientCertificate"/> are not added here.</summary>
    public IReadOnlyList<LabClientCertificate> Clients { get; private set; } = [];

    public string RootCaPemPath => PathOf(RootCaFile + ".pem");

    public string IssuingCaPemPath => PathOf(IssuingCaFile + ".pem");

    /// <summary>Issuing CA + root CA in one PEM.</summary>
    public string CaChainPemPath => PathOf("ca-chain.pem");

    /// <summary>The issuing CA's CRL (DER); <c>issuing-ca.crl.pem</c> holds the same CRL as PEM.</summary>
    public string CrlPath => PathOf(IssuingCaFile + ".crl");

    /// <summary>The root CA's CRL (DER), covering the issuing CA; needed when revocation is checked for the whole chain.</summary>
    public string RootCrlPath => PathOf(RootCaFile + ".crl");

    /// <summary>Server certificate followed by the issuing CA, so servers loading it send the intermediate.</summary>
    public string ServerCertPemPath => PathOf(ServerFile + ".pem");

    public string ServerKeyPemPath => PathOf(ServerFile + ".key.pem");

    public string ServerPfxPath => PathOf(ServerFile + ".pfx");

    public string ConnectionPointCertPemPath => PathOf(ConnectionPointFile + ".pem");

    public string ConnectionPointKeyPemPath => PathOf(ConnectionPointFile + ".key.pem");

    public string ConnectionPointPfxPath => PathOf(ConnectionPointFile + ".pfx");

    public string SiteSystemCertPemPath => PathOf(SiteSystemFile + ".pem");

    public string SiteSystemKeyPemPath => PathOf(SiteSystemFile + ".key.pem");

    public string SiteSystemPfxPath => PathOf(SiteSystemFile + ".pfx");

    public string SiteSigningCertPemPath => PathOf(SiteSigningFile + ".pem");

    public string SiteSigningKeyPemPath => PathOf(SiteSigningFile + ".key.pem");

    public string SiteSigningPfxPath => PathOf(SiteSigningFile + ".pfx");

    /// <summary>
    /// Creates the PKI on first call and reuses the files afterwards (same certificates and keys). Reissues only
    /// what is missing, unreadable, about to expire or no longer matches <paramref name="options"/>; a new CA
    /// (other key algorithm, missing files) reissues everything. Rewrites a CRL with less than half its lifetime left.
    /// Holds an exclusive lock file while working, so concurrent processes wait for each other.
    /// </summary>
    public static LabPki LoadOrCreate(string directory, LabPkiOptions options, TimeProvider timeProvider)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.ServiceName);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.ConnectionPointName);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.SiteSystemName);
        ArgumentOutOfRangeException.ThrowIfNegative(options.ClientCount);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.CrlValidity, TimeSpan.Zero);

        var fullPath = Path.GetFullPath(directory);
        System.IO.Directory.CreateDirectory(Path.Combine(fullPath, ClientsFolder));
        using var fileLock = LabPkiFiles.AcquireLock(fullPath);
        var now = timeProvider.GetUtcNow();

        var (rootSigner, issuingSigner, caCreated) = LoadOrCreateCas(fullPath, options, now);
        var pki = new LabPki(fullPath, options, timeProvider, rootSigner, issuingSigner);
        try
        {
            pki.EnsureCrl(pki.RootCrlPath, rootSigner, now, caCreated);
            pki.EnsureCrl(pki.CrlPath, issuingSigner, now, caCreated);
            pki.LoadOrIssueLeaves(options, now);
            return pki;
        }
        catch
        {
            pki.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Issues a client certificate signed by the issuing CA and writes <c>clients/&lt;name&gt;.pem|.key.pem|.pfx</c>
    /// (overwriting files of the same name). Validity is not clamped to the CA's, so expired and not-yet-valid
    /// certificates can be made for tests. With neither EKU flag the certificate has no EKU extension.
    /// </summary>
    public LabClientCertificate IssueClientCertificate(
        string name, DateTimeOffset notBefore, DateTimeOffset notAfter, bool clientAuthEku = true, bool serverAuthEku = false)
    {
        ValidateFileName(name);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(notBefore, notAfter);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using var fileLock = LabPkiFiles.AcquireLock(Directory);
            var profile = new LeafProfile(name, [], [], clientAuthEku, serverAuthEku);
            return IssueClient(profile, notBefore, notAfter);
        }
    }

    /// <summary>
    /// Lists <paramref name="certificate"/> on its CA's CRL (issuing CA for leaves, root CA for the issuing CA),
    /// rewrites the CRL files with the next CRL number and a fresh thisUpdate/nextUpdate.
    /// </summary>
    public void Revoke(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var (signer, crlPath) = LabCertificateFactory.IsIssuedBy(certificate, _issuingSigner)
                ? (_issuingSigner, CrlPath)
                : LabCertificateFactory.IsIssuedBy(certificate, _rootSigner) && certificate.Thumbprint != _rootSigner.Thumbprint
                    ? (_rootSigner, RootCrlPath)
                    : throw new ArgumentException($"Certificate {certificate.Subject} was not issued by this lab PKI.", nameof(certificate));

            using var fileLock = LabPkiFiles.AcquireLock(Directory);
            var now = _timeProvider.GetUtcNow();

            // Start from the file, not memory: another process may have revoked something since.
            var (builder, number, existing) = ReadCrlBuilder(crlPath);
            if (existing?.TryGetRevocation(certificate, out _) != true)
            {
                builder.AddEntry(certificate, now);
            }

            WriteCrl(crlPath, builder, signer, number + 1, now);
        }
    }

    /// <summary>A client certificate (with key, client-auth EKU) chaining to a throwaway CA nobody trusts.</summary>
    public static X509Certificate2 CreateUntrustedClientCertificate(string name, TimeProvider timeProvider)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(timeProvider);
        var now = timeProvider.GetUtcNow();
        using var rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var root = LabCertificateFactory.CreateRootCa(UntrustedRootName, rootKey, now - CaBackdate, now + RootLifetime);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var leaf = LabCertificateFactory.CreateLeaf(
            new LeafProfile(name, [], [], ClientAuth: true, ServerAuth: false), root, rootKey, key, now - LeafBackdate, now + LeafLifetime, crlUrl: null);
        return ForTls(leaf);
    }

    /// <summary>Validator options trusting this PKI: root, issuing CA as intermediate, both CRLs.</summary>
    public ClientCertificateValidatorOptions CreateClientValidatorOptions()
    {
        var options = new ClientCertificateValidatorOptions();
        options.TrustedRoots.Add(RootCa);
        options.Intermediates.Add(IssuingCa);
        options.CrlPaths.Add(RootCrlPath);
        options.CrlPaths.Add(CrlPath);
        return options;
    }

    /// <summary>
    /// The intermediates a TLS server must send with a leaf of this PKI (Kestrel's <c>ServerCertificateChain</c>).
    /// The certificates belong to this instance: do not dispose them.
    /// </summary>
    public X509Certificate2Collection GetIntermediates() => [IssuingCa];

    /// <summary>An <see cref="SslStreamCertificateContext"/> that sends the issuing CA along with <paramref name="certificate"/>.</summary>
    public SslStreamCertificateContext CreateSslCertificateContext(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return SslStreamCertificateContext.Create(certificate, GetIntermediates(), offline: true);
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            foreach (var item in _owned)
            {
                item.Dispose();
            }

            _issuingKey.Dispose();
            _issuingSigner.Dispose();
            _rootSigner.Dispose();
        }
    }

    private static (X509Certificate2 Root, X509Certificate2 Issuing, bool Created) LoadOrCreateCas(
        string directory, LabPkiOptions options, DateTimeOffset now)
    {
        var rootPem = Path.Combine(directory, RootCaFile + ".pem");
        var rootKeyPem = Path.Combine(directory, RootCaFile + ".key.pem");
        var issuingPem = Path.Combine(directory, IssuingCaFile + ".pem");
        var issuingKeyPem = Path.Combine(directory, IssuingCaFile + ".key.pem");

        var root = TryLoadWithKey(rootPem, rootKeyPem);
        var issuing = TryLoadWithKey(issuingPem, issuingKeyPem);
        if (root is not null && issuing is not null
            && LabKeys.GetAlgorithm(root) == options.KeyAlgorithm
            && LabKeys.GetAlgorithm(issuing) == options.KeyAlgorithm
            && IsUsable(root, now) && IsUsable(issuing, now)
            && LabCertificateFactory.IsIssuedBy(issuing, root))
        {
            return (root, issuing, false);
        }

        root?.Dispose();
        issuing?.Dispose();

        using var rootKey = LabKeys.Create(options.KeyAlgorithm);
        using var issuingKey = LabKeys.Create(options.KeyAlgorithm);
        root = LabCertificateFactory.CreateRootCa(LabCertificateFactory.RootCaName, rootKey, now - CaBackdate, now + RootLifetime);
        issuing = LabCertificateFactory.CreateIssuingCa(
            LabCertificateFactory.IssuingCaName, root, rootKey, issuingKey, now - CaBackdate, now + IssuingLifetime,
            LabCertificateFactory.CrlUrl(options.CrlDistributionPointBaseUrl, RootCaFile + ".crl"));

        LabPkiFiles.WriteAtomic(rootKeyPem, rootKey.ExportPkcs8PrivateKeyPem() + "\n", secret: true);
        LabPkiFiles.WriteAtomic(rootPem, root.ExportCertificatePem() + "\n");
        LabPkiFiles.WriteAtomic(issuingKeyPem, issuingKey.ExportPkcs8PrivateKeyPem() + "\n", secret: true);
        LabPkiFiles.WriteAtomic(issuingPem, issuing.ExportCertificatePem() + "\n");
        LabPkiFiles.WriteAtomic(
            Path.Combine(directory, "ca-chain.pem"), issuing.ExportCertificatePem() + "\n" + root.ExportCertificatePem() + "\n");
        return (root, issuing, true);
    }

    private void LoadOrIssueLeaves(LabPkiOptions options, DateTimeOffset now)
    {
        IPAddress[] loopback = [IPAddress.Loopback, IPAddress.IPv6Loopback];
        ServerCertificate = LoadOrIssueLeaf(
            ServerFile, new LeafProfile(options.ServiceName, [options.ServiceName, "localhost"], loopback, ClientAuth: false, ServerAuth: true), now);
        ConnectionPointCertificate = LoadOrIssueLeaf(
            ConnectionPointFile, new LeafProfile(options.ConnectionPointName, [options.ConnectionPointName], [], ClientAuth: true, ServerAuth: false), now);
        SiteSystemCertificate = LoadOrIssueLeaf(
            SiteSystemFile, new LeafProfile(options.SiteSystemName, [options.SiteSystemName, "localhost"], loopback, ClientAuth: false, ServerAuth: true), now);
        SiteSigningCertificate = LoadOrCreateSiteSigning(options.SiteSystemName, now);

        var clients = new List<LabClientCertificate>(options.ClientCount);
        for (var i = 1; i <= options.ClientCount; i++)
        {
            var name = $"client-{i:D2}";
            var profile = new LeafProfile(name, [], [], ClientAuth: true, ServerAuth: false);
            var baseName = Path.Combine(ClientsFolder, name);
            var certificate = LoadOrIssueLeaf(baseName, profile, now);
            clients.Add(new LabClientCertificate(name, certificate, PathOf(baseName + ".pem"), PathOf(baseName + ".key.pem"), PathOf(baseName + ".pfx")));
        }

        Clients = clients;
    }

    private X509Certificate2 LoadOrIssueLeaf(string baseName, LeafProfile profile, DateTimeOffset now)
    {
        var certPath = PathOf(baseName + ".pem");
        var keyPath = PathOf(baseName + ".key.pem");
        var pfxPath = PathOf(baseName + ".pfx");
        using var existing = TryLoadWithKey(certPath, keyPath);
        if (existing is not null
            && LabKeys.GetAlgorithm(existing) == _keyAlgorithm
            && IsUsable(existing, now)
            && LabCertificateFactory.IsIssuedBy(existing, _issuingSigner)
            && LabCertificateFactory.Matches(existing, profile))
        {
            EnsurePfx(existing, pfxPath);
            return Own(ForTls(existing));
        }

        using var key = LabKeys.Create(_keyAlgorithm);
        using var issued = LabCertificateFactory.CreateLeaf(
            profile, _issuingSigner, _issuingKey, key, now - LeafBackdate, now + LeafLifetime, IssuingCrlUrl);
        WriteLeafFiles(issued, key, certPath, keyPath, pfxPath, _issuingSigner);
        return Own(ForTls(issued));
    }

    private X509Certificate2 LoadOrCreateSiteSigning(string siteSystemName, DateTimeOffset now)
    {
        var certPath = SiteSigningCertPemPath;
        var keyPath = SiteSigningKeyPemPath;
        using var existing = TryLoadWithKey(certPath, keyPath);
        if (existing is not null
            && LabKeys.IsRsa(existing)
            && IsUsable(existing, now)
            && existing.SubjectName.RawData.AsSpan().SequenceEqual(existing.IssuerName.RawData)
            && LabCertificateFactory.Matches(existing, new LeafProfile(LabCertificateFactory.SiteSigningName, [siteSystemName], [], false, false)))
        {
            EnsurePfx(existing, SiteSigningPfxPath);
            return Own(ForTls(existing));
        }

        using var key = RSA.Create(2048);
        using var created = LabCertificateFactory.CreateSiteSigning(siteSystemName, key, now - LeafBackdate, now + LeafLifetime);
        WriteLeafFiles(created, key, certPath, keyPath, SiteSigningPfxPath, chainCa: null);
        return Own(ForTls(created));
    }

    private LabClientCertificate IssueClient(LeafProfile profile, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        var baseName = Path.Combine(ClientsFolder, profile.CommonName);
        var certPath = PathOf(baseName + ".pem");
        var keyPath = PathOf(baseName + ".key.pem");
        var pfxPath = PathOf(baseName + ".pfx");
        using var key = LabKeys.Create(_keyAlgorithm);
        using var issued = LabCertificateFactory.CreateLeaf(profile, _issuingSigner, _issuingKey, key, notBefore, notAfter, IssuingCrlUrl);
        WriteLeafFiles(issued, key, certPath, keyPath, pfxPath, _issuingSigner);
        return new LabClientCertificate(profile.CommonName, Own(ForTls(issued)), certPath, keyPath, pfxPath);
    }

    private void WriteLeafFiles(
        X509Certificate2 certificate, AsymmetricAlgorithm key, string certPath, string keyPath, string pfxPath, X509Certificate2? chainCa)
    {
        var pem = certificate.ExportCertificatePem() + "\n";
        if (chainCa is not null)
        {
            pem += chainCa.ExportCertificatePem() + "\n";
        }

        LabPkiFiles.WriteAtomic(keyPath, key.ExportPkcs8PrivateKeyPem() + "\n", secret: true);
        LabPkiFiles.WriteAtomic(certPath, pem);
        WritePfx(certificate, pfxPath);
    }

    private void EnsurePfx(X509Certificate2 certificate, string pfxPath)
    {
        try
        {
            using var existing = X509CertificateLoader.LoadPkcs12FromFile(pfxPath, PfxPassword);
            if (existing.Thumbprint == certificate.Thumbprint && existing.HasPrivateKey)
            {
                return;
            }
        }
        catch (Exception ex) when (ex is IOException or CryptographicException)
        {
            // Missing, unreadable or another password: rewrite below.
        }

        WritePfx(certificate, pfxPath);
    }

    private void WritePfx(X509Certificate2 certificate, string pfxPath)
    {
        // The chain goes in too, as a Windows PFX export with "include all certificates" would.
        X509Certificate2Collection collection = [certificate];
        if (!certificate.SubjectName.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData))
        {
            collection.Add(IssuingCa);
        }

        LabPkiFiles.WriteAtomic(pfxPath, collection.ExportPkcs12(Pkcs12ExportPbeParameters.Pbes2Aes256Sha256, PfxPassword), secret: true);
    }

    private void EnsureCrl(string crlPath, X509Certificate2 signer, DateTimeOffset now, bool forceNew)
    {
        if (!forceNew)
        {
            var (builder, number, existing) = ReadCrlBuilder(crlPath);
            if (existing is not null && existing.IsIssuedBy(signer) && existing.IsSignatureValid(signer))
            {
                // Rewritten at half-life, not only once stale, so a process started just before expiry keeps a valid CRL.
                if (existing.NextUpdate is not { } nextUpdate || now < existing.ThisUpdate + ((nextUpdate - existing.ThisUpdate) / 2))
                {
                    return;
                }

                WriteCrl(crlPath, builder, signer, number + 1, now);
                return;
            }
        }

        WriteCrl(crlPath, new CertificateRevocationListBuilder(), signer, BigInteger.One, now);
    }

    private static (CertificateRevocationListBuilder Builder, BigInteger Number, CertificateRevocationList? Parsed) ReadCrlBuilder(string crlPath)
    {
        try
        {
            var bytes = File.ReadAllBytes(crlPath);
            var parsed = CertificateRevocationList.Parse(bytes, crlPath);
            var builder = CertificateRevocationListBuilder.Load(bytes, out var number);
            return (builder, number, parsed);
        }
        catch (Exception ex) when (ex is IOException or CryptographicException or UnauthorizedAccessException)
        {
            return (new CertificateRevocationListBuilder(), BigInteger.Zero, null);
        }
    }

    private void WriteCrl(string crlPath, CertificateRevocationListBuilder builder, X509Certificate2 signer, BigInteger number, DateTimeOffset now)
    {
        var padding = LabKeys.IsRsa(signer) ? RSASignaturePadding.Pkcs1 : null;
        var der = builder.Build(signer, number, now + _crlValidity, HashAlgorithmName.SHA256, padding, now);
        LabPkiFiles.WriteAtomic(crlPath, der);
        LabPkiFiles.WriteAtomic(crlPath + ".pem", PemEncoding.WriteString("X509 CRL", der) + "\n");
    }

    private string? IssuingCrlUrl => LabCertificateFactory.CrlUrl(_crlBaseUrl, IssuingCaFile + ".crl");

    private string PathOf(string relative) => Path.Combine(Directory, relative);

    private T Own<T>(T item)
        where T : IDisposable
    {
        _owned.Add(item);
        return item;
    }

    private static X509Certificate2? TryLoadWithKey(string certPath, string keyPath)
    {
        if (!File.Exists(certPath) || !File.Exists(keyPath))
        {
            return null;
        }

        try
        {
            return X509Certificate2.CreateFromPemFile(certPath, keyPath);
        }
        catch (Exception ex) when (ex is IOException or CryptographicException or ArgumentException)
        {
            return null;
        }
    }

    private static bool IsUsable(X509Certificate2 certificate, DateTimeOffset now) =>
        certificate.NotBefore.ToUniversalTime() <= now.UtcDateTime
        && certificate.NotAfter.ToUniversalTime() > (now + ReuseMargin).UtcDateTime;

    /// <summary>
    /// Round-trips through PKCS#12 so the key is a regular (non-ephemeral) one: SslStream on Windows refuses
    /// ephemeral keys, and this keeps the lab code path the same everywhere. The blob never leaves memory,
    /// so one KDF iteration is enough (the default export costs ~25 ms per certificate).
    /// </summary>
    private static X509Certificate2 ForTls(X509Certificate2 certificate) =>
        X509CertificateLoader.LoadPkcs12(certificate.ExportPkcs12(InMemoryPbe, null), null);

    private static void ValidateFileName(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (name.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || name.Contains('/', StringComparison.Ordinal)
            || name.Contains('\\', StringComparison.Ordinal) || name.StartsWith('.'))
        {
            throw new ArgumentException($"'{name}' cannot be used as a file name.", nameof(name));
        }
    }
}
