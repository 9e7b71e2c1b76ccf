using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Xml.Linq;
using CmgSim.Identity.SiteTokens;
using CmgSim.ManagementPoint.CcmMessaging;
using CmgSim.ManagementPoint.SecurityTokenService;
using CmgSim.ManagementPoint.SiteDatabase;
using CmgSim.Messaging;
using CmgSim.Messaging.Signing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CmgSim.ManagementPoint.Registration;

/// <summary>
/// <c>MP_ClientRegistration</c> (client-protocols §3.1): verifies the request signature with the
/// signing certificate it carries, keeps the proposed SMSID or assigns one, approves by path,
/// commits the row, and only then replies <c>&lt;ClientRegistrationResponse SMSID="GUID:…"/&gt;</c>.
/// Registering again with the same key returns the same SMSID (idempotent); a known SMSID with a
/// new key replaces the key (the SDK: "a duplicate gets replaced").
/// </summary>
internal sealed partial class ClientRegistrationEndpoint : ICcmMessageHandler
{
    public const string Name = "MP_ClientRegistration";

    string ICcmMessageHandler.EndpointName => Name;

    private readonly SiteDatabaseStore _database;
    private readonly ISmsIdGenerator _smsIds;
    private readonly RegistrationApprovalOptions _approval;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly ManagementPointTokenAuthentication? _tokens;

    // Serialises lookup + upsert so two concurrent registrations of one key cannot mint two SMSIDs.
    private readonly Lock _gate = new();

    public ClientRegistrationEndpoint(
        SiteDatabaseStore database,
        ISmsIdGenerator smsIds,
        IOptions<ManagementPointOptions> options,
        TimeProvider timeProvider,
        ILoggerFactory loggerFactory,
        ManagementPointTokenAuthentication? tokens = null)
    {
        _tokens = tokens;
        _database = database;
        _smsIds = smsIds;
        _approval = options.Value.RegistrationApproval;
        _timeProvider = timeProvider;
        _logger = loggerFactory.CreateLogger(ManagementPointLogCategories.Registration);
    }

    /// <returns>The reply body, or null (the empty 200) when the request is refused.</returns>
    public ValueTask<string?> HandleAsync(CcmEnvelope request, CcmRequestContext context, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Handle(request, context));

    public string? Handle(CcmEnvelope envelope, CcmRequestContext context)
    {
        var messageId = envelope.Header.Id ?? string.Empty;
        ClientRegistrationRequest request;
        try
        {
            request = ClientRegistrationRequest.Parse(envelope.Message.Body);
        }
        catch (RegistrationRejectedException ex)
        {
            LogRejected(_logger, messageId, ex.Message);
            return null;
        }

        var certificateBytes = request.SigningCertificate ?? request.EncryptionCertificate;
        if (certificateBytes is null)
        {
            LogRejected(_logger, messageId, "no <Signing> or <Encryption> certificate to verify the registration signature with");
            return null;
        }

        string publicKeyHex;
        try
        {
            using var certificate = X509CertificateLoader.LoadCertificate(certificateBytes);
            using var key = certificate.GetRSAPublicKey();
            if (key is null)
            {
                LogRejected(_logger, messageId, "the signing certificate has no RSA key");
                return null;
            }

            if (CcmSignature.Verify(key, Encoding.Unicode.GetBytes(request.SignedData), request.SignatureValue) is null)
            {
                LogRejected(_logger, messageId, $"the registration <SignatureValue> does not verify over the UTF-16LE <Data> text ({request.SignedData.Length} chars) with the signing certificate {certificate.Thumbprint}");
                return null;
            }

            publicKeyHex = Convert.ToHexString(CcmPublicKeyBlob.FromRsa(key));
        }
        catch (CryptographicException ex)
        {
            LogRejected(_logger, messageId, $"the signing certificate does not load: {ex.Message}");
            return null;
        }

        var token = context.Token;
        if (token?.SmsId is { } tokenSmsId && request.ProposedSmsId is { Length: > 0 } proposedSmsId
            && !string.Equals(SmsId.Normalize(tokenSmsId), SmsId.Normalize(proposedSmsId), StringComparison.OrdinalIgnoreCase))
        {
            LogRejected(_logger, messageId, $"the CCM token was issued to {tokenSmsId}, but the registration proposes {proposedSmsId}");
            return null;
        }

        if (token?.CcmTokenType is CcmTokenType.Device or CcmTokenType.UDA)
        {
            LogRegisteringWithEntra(_logger, token.EntraDeviceId, token.TenantId);
        }

        ClientRecord stored;
        lock (_gate)
        {
            stored = Register(request, publicKeyHex, certificateBytes, context);
        }

        LogRegistered(_logger, stored.SmsId, stored.NetbiosName ?? string.Empty, context.AuthPath, (int)stored.ApprovalStatus, stored.RegistrationCount);
        var response = new XElement(
            "ClientRegistrationResponse",
            new XAttribute("SMSID", stored.SmsId),
            new XAttribute("ApprovalStatus", (int)stored.ApprovalStatus));

        // A client installed with a bulk token gets its own 90-day site client token here (cmg-facts §2.4);
        // the bulk token is then discarded. Where the product carries it in the reply is not public [U].
        if (token?.CcmTokenType == CcmTokenType.BulkRegistration && _tokens is not null)
        {
            var clientToken = _tokens.SiteTokens.IssueClientToken(stored.SmsId);
            response.Add(new XElement("ClientToken", new XAttribute("ValidTo", clientToken.ValidTo.UtcDateTime.ToString("O", CultureInfo.InvariantCulture)), clientToken.Jwt));
            LogClientTokenIssued(_logger, stored.SmsId, clientToken.ValidTo);
        }

        return response.ToString(SaveOptions.DisableFormatting);
    }

    private ClientRecord Register(ClientRegistrationRequest request, string publicKeyHex, byte[] certificateBytes, CcmRequestContext context)
    {
        var proposed = SmsId.TryParse(request.ProposedSmsId, out var proposedGuid) ? SmsId.FromGuid(proposedGuid) : null;
        var entraDevice = context.Token?.EntraDeviceId;

        // An Entra device keeps one SMSID: re-registering (a reinstall, a new key) finds it by its device id.
        var existing = (entraDevice is { } device ? _database.FindByEntraDeviceId(device) : null)
            ?? (proposed is not null ? _database.FindBySmsId(proposed) : _database.FindBySigningKey(publicKeyHex));
        if (existing is not null && existing.SigningPublicKey != publicKeyHex)
        {
            LogKeyReplaced(_logger, existing.SmsId);
        }

        var now = _timeProvider.GetUtcNow();
        var approval = Approve(context);

        // Re-registration never withdraws an approval already granted.
        if (existing is not null && existing.ApprovalStatus != RegistrationApprovalStatus.NotApproved && approval == RegistrationApprovalStatus.NotApproved)
        {
            approval = existing.ApprovalStatus;
        }

        var record = new ClientRecord
        {
            SmsId = existing?.SmsId ?? proposed ?? SmsId.FromGuid(_smsIds.NewGuid()),
            NetbiosName = request.NetbiosName,
            Fqdn = request.Fqdn,
            SigningPublicKey = publicKeyHex,
            SigningCertificate = certificateBytes,
            EncryptionCertificate = request.EncryptionCertificate,
            ApprovalStatus = approval,
            RegisteredVia = context.AuthPath.ToString(),
            AgentIdentity = request.AgentIdentity,
            RegisteredAt = existing?.RegisteredAt ?? now,
            UpdatedAt = now,
            RegistrationCount = (existing?.RegistrationCount ?? 0) + 1,
            EntraDeviceId = entraDevice ?? existing?.EntraDeviceId,
        };
        _database.Upsert(record);
        return record;
    }

    private RegistrationApprovalStatus Approve(CcmRequestContext context)
    {
        var approved = context.AuthPath switch
        {
            CcmAuthPath.WindowsAuth => _approval.ApproveWindowsAuth,
            CcmAuthPath.AltAuth => _approval.ApproveAltAuth,
            CcmAuthPath.TokenAuth => _approval.ApproveTokenAuth,
            _ => false,
        } || _approval.AutoApproveAllComputers || (context.HasClientCertificate && _approval.ApproveClientCertificate);
        if (!approved)
        {
            return RegistrationApprovalStatus.NotApproved;
        }

        return context.AuthPath == CcmAuthPath.TokenAuth ? RegistrationApprovalStatus.ApprovedByToken : RegistrationApprovalStatus.Approved;
    }

    [LoggerMessage(EventId = 41, Level = LogLevel.Warning, Message = "Registration message {MessageId} refused with an empty 200: {Reason}")]
    private static partial void LogRejected(ILogger logger, string messageId, string reason);

    [LoggerMessage(EventId = 42, Level = LogLevel.Information, Message = "Registered {SmsId} ('{NetbiosName}') via {AuthPath}; approval status {ApprovalStatus}; registration #{Count}.")]
    private static partial void LogRegistered(ILogger logger, string smsId, string netbiosName, CcmAuthPath authPath, int approvalStatus, int count);

    [LoggerMessage(EventId = 44, Level = LogLevel.Information, Message = "Registering device using AAD auth. DeviceId: {DeviceId} TenantId: {TenantId}")]
    private static partial void LogRegisteringWithEntra(ILogger logger, Guid? deviceId, Guid? tenantId);

    [LoggerMessage(EventId = 45, Level = LogLevel.Information, Message = "Issued a site client token to {SmsId}, valid to {ValidTo:u}.")]
    private static partial void LogClientTokenIssued(ILogger logger, string smsId, DateTimeOffset validTo);

    [LoggerMessage(EventId = 43, Level = LogLevel.Warning, Message = "{SmsId} re-registered with a different signing key; the old key is replaced.")]
    private static partial void LogKeyReplaced(ILogger logger, string smsId);
}
