using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using CmgSim.ManagementPoint.SiteDatabase;
using CmgSim.Messaging.Policy;
using CmgSim.Messaging.Signing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CmgSim.ManagementPoint.Policy;

/// <summary>
/// <c>GET /SMS_MP/.sms_pol?&lt;PolicyID&gt;.&lt;version&gt;</c> (<c>getpolicy.dll</c>, client-protocols §3.3).
/// Plain policies: the UTF-16LE body. Secret policies: CMS EnvelopedData to the registered encryption
/// certificate, but only for a registered, approved client whose <c>ClientToken</c> or
/// <c>CCMClientID*</c> headers verify with its registered signing key. Every other caller gets the
/// <c>&lt;HTML&gt;</c>-prefixed page the tools use to tell "needs authentication".
/// </summary>
internal sealed partial class PolicyBodyEndpoint
{
    // Which status goes with the <HTML> page is not captured publicly [U]; IIS-style 403 is the reading here.
    private const string RefusalPage = "<HTML><HEAD><TITLE>403 - Forbidden</TITLE></HEAD><BODY><H1>403 - Forbidden: Access is denied.</H1></BODY></HTML>";

    private readonly PolicyCatalog _catalog;
    private readonly SiteDatabaseStore _database;
    private readonly PolicyOptions _options;
    private readonly ILogger _logger;

    public PolicyBodyEndpoint(PolicyCatalog catalog, SiteDatabaseStore database, IOptions<PolicyOptions> options, ILoggerFactory loggerFactory)
    {
        _catalog = catalog;
        _database = database;
        _options = options.Value;
        _logger = loggerFactory.CreateLogger(PolicyLogCategory.Name);
    }

    public async Task HandleAsync(HttpContext context)
    {
        var query = Uri.UnescapeDataString(context.Request.QueryString.Value?.TrimStart('?') ?? string.Empty);
        var policy = _catalog.Find(query);
        if (policy is null)
        {
            LogUnknown(_logger, query);
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        if (!policy.IsSecret)
        {
            LogServed(_logger, policy.PolicyId, policy.Category, "plain", string.Empty);
            await WriteAsync(context.Response, StatusCodes.Status200OK, "text/xml", policy.Body, context.RequestAborted);
            return;
        }

        var (client, failure) = Authenticate(context.Request.Headers);
        if (client is null)
        {
            LogRefused(_logger, policy.PolicyId, policy.Category, failure!);
            await WriteAsync(context.Response, StatusCodes.Status403Forbidden, "text/html", Encoding.ASCII.GetBytes(RefusalPage), context.RequestAborted);
            return;
        }

        var certificateBytes = client.EncryptionCertificate ?? client.SigningCertificate;
        if (certificateBytes is null)
        {
            LogRefused(_logger, policy.PolicyId, policy.Category, $"{client.SmsId} registered no encryption certificate");
            await WriteAsync(context.Response, StatusCodes.Status403Forbidden, "text/html", Encoding.ASCII.GetBytes(RefusalPage), context.RequestAborted);
            return;
        }

        using var certificate = X509CertificateLoader.LoadCertificate(certificateBytes);
        var envelope = Encrypt(policy.Body, certificate);
        LogServed(_logger, policy.PolicyId, policy.Category, $"CMS EnvelopedData ({_options.ContentCipher}, {_options.KeyTransportPadding.Mode}) to ", client.SmsId);
        await WriteAsync(context.Response, StatusCodes.Status200OK, "application/octet-stream", envelope, context.RequestAborted);
    }

    private byte[] Encrypt(byte[] body, X509Certificate2 certificate)
    {
        var cipher = _options.ContentCipher == SecretPolicyContentCipher.Aes256 ? "2.16.840.1.101.3.4.1.42" : "1.2.840.113549.3.7";
        var cms = new EnvelopedCms(new ContentInfo(body), new AlgorithmIdentifier(new Oid(cipher)));

        // pxetrace: the recipient is named by subjectKeyIdentifier.
        cms.Encrypt(new CmsRecipient(SubjectIdentifierType.SubjectKeyIdentifier, certificate, _options.KeyTransportPadding));
        return cms.Encode();
    }

    /// <returns>The client, or null and why it is refused.</returns>
    private (ClientRecord? Client, string? Failure) Authenticate(IHeaderDictionary headers)
    {
        string smsId;
        (string Value, string? Signature)[] signed;
        if (headers.TryGetValue(PolicyAuthHeaders.ClientToken, out var tokenValues) && tokenValues.ToString() is { Length: > 0 } token)
        {
            // GUID:<id>;<time>;2 (tools) or {GUID};<time> (SharpSCCM).
            smsId = token.Split(';')[0];
            signed = [(token, headers[PolicyAuthHeaders.ClientTokenSignature].ToString())];
        }
        else if (headers.TryGetValue(PolicyAuthHeaders.CcmClientId, out var idValues) && idValues.ToString() is { Length: > 0 } id)
        {
            smsId = id;
            signed =
            [
                (id, headers[PolicyAuthHeaders.CcmClientIdSignature].ToString()),
                (headers[PolicyAuthHeaders.CcmClientTimestamp].ToString(), headers[PolicyAuthHeaders.CcmClientTimestampSignature].ToString()),
            ];
        }
        else
        {
            return (null, "no ClientToken or CCMClientID headers (anonymous)");
        }

        if (!SmsId.TryParse(smsId, out _))
        {
            return (null, $"'{smsId}' is not a client id");
        }

        var client = _database.FindBySmsId(SmsId.Normalize(smsId));
        if (client is null)
        {
            return (null, $"{SmsId.Normalize(smsId)} is not registered");
        }

        if (!CcmPublicKeyBlob.TryToParameters(Convert.FromHexString(client.SigningPublicKey), out var parameters, out var error))
        {
            return (null, $"the registered key of {client.SmsId} does not load: {error}");
        }

        using var key = RSA.Create(parameters);
        foreach (var (value, signature) in signed)
        {
            if (value.Length == 0 || CcmSignature.Verify(key, PolicyAuthHeaders.SignedBytes(value), signature) is null)
            {
                return (null, $"the signature over '{value}' does not verify with the signing key of {client.SmsId}");
            }
        }

        // Unapproved clients get ordinary policy but never secrets (SCCMSecrets).
        return client.ApprovalStatus == RegistrationApprovalStatus.NotApproved
            ? (null, $"{client.SmsId} is not approved")
            : (client, null);
    }

    private static async Task WriteAsync(HttpResponse response, int status, string contentType, byte[] body, CancellationToken cancellationToken)
    {
        response.StatusCode = status;
        response.ContentType = contentType;
        response.ContentLength = body.Length;
        await response.Body.WriteAsync(body, cancellationToken);
    }

    [LoggerMessage(EventId = 123, Level = LogLevel.Information, Message = "Policy '{Query}' is not in the catalog; 404.")]
    private static partial void LogUnknown(ILogger logger, string query);

    [LoggerMessage(EventId = 124, Level = LogLevel.Information, Message = "Served policy {PolicyId} ({Category}) {How}{SmsId}.")]
    private static partial void LogServed(ILogger logger, string policyId, string category, string how, string smsId);

    [LoggerMessage(EventId = 125, Level = LogLevel.Warning, Message = "Secret policy {PolicyId} ({Category}) refused with the <HTML> page: {Reason}.")]
    private static partial void LogRefused(ILogger logger, string policyId, string category, string reason);
}
