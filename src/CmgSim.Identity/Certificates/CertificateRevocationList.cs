using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Formats.Asn1;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CmgSim.Identity.Certificates;

/// <summary>
/// A parsed X.509 CRL (RFC 5280 §5). .NET can build CRLs but not evaluate one handed over as a file,
/// so the validator reads them itself.
/// </summary>
internal sealed class CertificateRevocationList
{
    private const string CrlNumberOid = "2.5.29.20";
    private const string PemLabel = "X509 CRL";

    private readonly byte[] _tbs;
    private readonly byte[] _signature;
    private readonly string _signatureAlgorithm;
    private readonly FrozenDictionary<string, DateTimeOffset> _revoked;

    // Signature checks are cached per issuer thumbprint: the CRL object is replaced when its file changes.
    private readonly ConcurrentDictionary<string, bool> _signatureChecks = new(StringComparer.Ordinal);

    private CertificateRevocationList(
        string source, byte[] tbs, string signatureAlgorithm, byte[] signature, X500DistinguishedName issuer,
        DateTimeOffset thisUpdate, DateTimeOffset? nextUpdate, BigInteger? crlNumber, FrozenDictionary<string, DateTimeOffset> revoked)
    {
        Source = source;
        _tbs = tbs;
        _signatureAlgorithm = signatureAlgorithm;
        _signature = signature;
        Issuer = issuer;
        ThisUpdate = thisUpdate;
        NextUpdate = nextUpdate;
        CrlNumber = crlNumber;
        _revoked = revoked;
    }

    /// <summary>File the CRL came from, for log lines.</summary>
    public string Source { get; }

    public X500DistinguishedName Issuer { get; }

    public DateTimeOffset ThisUpdate { get; }

    public DateTimeOffset? NextUpdate { get; }

    public BigInteger? CrlNumber { get; }

    public int RevokedCount => _revoked.Count;

    public bool IsIssuedBy(X509Certificate2 issuer) =>
        Issuer.RawData.AsSpan().SequenceEqual(issuer.SubjectName.RawData)
        || string.Equals(Issuer.Name, issuer.SubjectName.Name, StringComparison.OrdinalIgnoreCase);

    /// <summary>The revocation date when <paramref name="certificate"/>'s serial is listed.</summary>
    public bool TryGetRevocation(X509Certificate2 certificate, out DateTimeOffset revokedOn) =>
        _revoked.TryGetValue(NormalizeSerial(certificate.SerialNumberBytes.Span), out revokedOn);

    public bool IsSignatureValid(X509Certificate2 issuer) =>
        _signatureChecks.GetOrAdd(issuer.Thumbprint, _ => VerifySignature(issuer));

    /// <summary>Reads every CRL in a file: DER, or PEM with one or more <c>X509 CRL</c> blocks.</summary>
    public static IReadOnlyList<CertificateRevocationList> ParseFile(byte[] content, string source)
    {
        // DER starts with a SEQUENCE tag; anything else is treated as PEM text (TryFind skips a BOM or comments).
        if (content.Length > 0 && content[0] == 0x30)
        {
            return [Parse(content, source)];
        }

        var pem = System.Text.Encoding.ASCII.GetString(content).AsSpan();
        var result = new List<CertificateRevocationList>();
        while (PemEncoding.TryFind(pem, out var fields))
        {
            if (pem[fields.Label].SequenceEqual(PemLabel))
            {
                result.Add(Parse(Convert.FromBase64String(pem[fields.Base64Data].ToString()), source));
            }

            pem = pem[fields.Location.End.Value..];
        }

        return result.Count > 0 ? result : throw new CryptographicException("File holds neither a DER CRL nor a PEM 'X509 CRL' block.");
    }

    public static CertificateRevocationList Parse(ReadOnlyMemory<byte> der, string source)
    {
        try
        {
            return ParseCore(der, source);
        }
        catch (AsnContentException ex)
        {
            throw new CryptographicException($"Malformed CRL: {ex.Message}", ex);
        }
    }

    /// <summary>Serial as upper-case hex without leading zero bytes, so DER sign padding does not matter.</summary>
    public static string NormalizeSerial(ReadOnlySpan<byte> bigEndian)
    {
        var start = 0;
        while (start < bigEndian.Length - 1 && bigEndian[start] == 0)
        {
            start++;
        }

        return Convert.ToHexString(bigEndian[start..]);
    }

    private static CertificateRevocationList ParseCore(ReadOnlyMemory<byte> der, string source)
    {
        // CertificateList ::= SEQUENCE { tbsCertList, signatureAlgorithm, signatureValue BIT STRING }
        var outer = new AsnReader(der, AsnEncodingRules.DER);
        var certList = outer.ReadSequence();
        outer.ThrowIfNotEmpty();
        var tbsBytes = certList.ReadEncodedValue().ToArray();
        var algorithm = certList.ReadSequence();
        var signatureAlgorithm = algorithm.ReadObjectIdentifier();
        var signature = certList.ReadBitString(out _);
        certList.ThrowIfNotEmpty();

        // TBSCertList ::= SEQUENCE { version OPTIONAL, signature, issuer, thisUpdate, nextUpdate OPTIONAL,
        //   revokedCertificates OPTIONAL, crlExtensions [0] EXPLICIT OPTIONAL }
        var tbs = new AsnReader(tbsBytes, AsnEncodingRules.DER).ReadSequence();
        if (tbs.PeekTag().HasSameClassAndValue(Asn1Tag.Integer))
        {
            tbs.ReadInteger();
        }

        tbs.ReadSequence();
        var issuer = new X500DistinguishedName(tbs.ReadEncodedValue().Span);
        var thisUpdate = ReadTime(tbs);
        DateTimeOffset? nextUpdate = null;
        if (tbs.HasData && IsTime(tbs.PeekTag()))
        {
            nextUpdate = ReadTime(tbs);
        }

        var revoked = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        if (tbs.HasData && tbs.PeekTag().HasSameClassAndValue(Asn1Tag.Sequence))
        {
            var entries = tbs.ReadSequence();
            while (entries.HasData)
            {
                var entry = entries.ReadSequence();
                var serial = NormalizeSerial(entry.ReadIntegerBytes().Span);
                revoked[serial] = ReadTime(entry);
            }
        }

        BigInteger? crlNumber = null;
        var extensionsTag = new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true);
        if (tbs.HasData && tbs.PeekTag().HasSameClassAndValue(extensionsTag))
        {
            var extensions = tbs.ReadSequence(extensionsTag).ReadSequence();
            while (extensions.HasData)
            {
                var extension = extensions.ReadSequence();
                var oid = extension.ReadObjectIdentifier();
                if (extension.PeekTag().HasSameClassAndValue(Asn1Tag.Boolean))
                {
                    extension.ReadBoolean();
                }

                var value = extension.ReadOctetString();
                if (oid == CrlNumberOid)
                {
                    crlNumber = new AsnReader(value, AsnEncodingRules.DER).ReadInteger();
                }
            }
        }

        tbs.ThrowIfNotEmpty();
        return new CertificateRevocationList(
            source, tbsBytes, signatureAlgorithm, signature, issuer, thisUpdate, nextUpdate, crlNumber, revoked.ToFrozenDictionary());
    }

    private bool VerifySignature(X509Certificate2 issuer)
    {
        HashAlgorithmName? hash = _signatureAlgorithm switch
        {
            "1.2.840.10045.4.3.2" or "1.2.840.113549.1.1.11" => HashAlgorithmName.SHA256,
            "1.2.840.10045.4.3.3" or "1.2.840.113549.1.1.12" => HashAlgorithmName.SHA384,
            "1.2.840.10045.4.3.4" or "1.2.840.113549.1.1.13" => HashAlgorithmName.SHA512,
            _ => null,
        };
        if (hash is null)
        {
            return false;
        }

        try
        {
            using var ecdsa = issuer.GetECDsaPublicKey();
            if (ecdsa is not null)
            {
                return _signatureAlgorithm.StartsWith("1.2.840.10045.", StringComparison.Ordinal)
                    && ecdsa.VerifyData(_tbs, _signature, hash.Value, DSASignatureFormat.Rfc3279DerSequence);
            }

            using var rsa = issuer.GetRSAPublicKey();
            return rsa is not null
                && _signatureAlgorithm.StartsWith("1.2.840.113549.", StringComparison.Ordinal)
                && rsa.VerifyData(_tbs, _signature, hash.Value, RSASignaturePadding.Pkcs1);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    private static bool IsTime(Asn1Tag tag) =>
        tag.HasSameClassAndValue(Asn1Tag.UtcTime) || tag.HasSameClassAndValue(Asn1Tag.GeneralizedTime);

    private static DateTimeOffset ReadTime(AsnReader reader) =>
        reader.PeekTag().HasSameClassAndValue(Asn1Tag.UtcTime) ? reader.ReadUtcTime() : reader.ReadGeneralizedTime();
}
