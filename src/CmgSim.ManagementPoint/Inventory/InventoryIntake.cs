using CmgSim.ManagementPoint.SiteDatabase;
using CmgSim.Messaging;
using CmgSim.Messaging.Signing;
using Microsoft.Extensions.Logging;

namespace CmgSim.ManagementPoint.Inventory;

/// <summary>
/// What <c>MP_DdrEndpoint</c>, <c>MP_HinvEndpoint</c> and <c>MP_SinvEndpoint</c> share (client-protocols §3.6): the
/// sender must be a registered client, the body a <c>&lt;Report&gt;</c>; the report is committed before the handler
/// returns, because the dispatcher acknowledges the asynchronous post as soon as it does.
/// </summary>
internal sealed partial class InventoryIntake
{
    /// <summary>Any non-null reply makes the dispatcher send its acknowledgement; the text itself is not sent.</summary>
    internal const string Accepted = "Accepted";

    private readonly SiteDatabaseStore _database;
    private readonly InventoryStore _store;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;

    public InventoryIntake(SiteDatabaseStore database, InventoryStore store, TimeProvider timeProvider, ILoggerFactory loggerFactory)
    {
        _database = database;
        _store = store;
        _timeProvider = timeProvider;
        _logger = loggerFactory.CreateLogger(ManagementPointLogCategories.Inventory);
    }

    /// <returns><see cref="Accepted"/> once stored (or already stored); null for the product's empty 200.</returns>
    public string? Accept(string endpoint, CcmEnvelope request)
    {
        var header = request.Header;
        if (!SmsId.TryParse(header.SourceId, out _) || _database.FindBySmsId(SmsId.Normalize(header.SourceId!)) is not { } client)
        {
            LogUnknownClient(_logger, header.Id ?? string.Empty, endpoint, header.SourceId ?? "(none)");
            return null;
        }

        if (!CcmReport.TryParse(request.Message.Body, out var report, out var error))
        {
            LogMalformed(_logger, header.Id ?? string.Empty, endpoint, client.SmsId, error!);
            return null;
        }

        if (report!.ClientId is { } reported && !string.Equals(SmsId.Normalize(reported), client.SmsId, StringComparison.OrdinalIgnoreCase))
        {
            // Kept: the MP files the report under the signed SourceID; the mismatch is what an investigator wants to see.
            LogClientIdMismatch(_logger, header.Id ?? string.Empty, endpoint, client.SmsId, reported);
        }

        var messageId = MessageKey.For(header.Id, _logger);
        var instances = InventoryInstance.FromBody(report.Body);
        var attachments = InventoryAttachment.FromEnvelope(request);
        if (_store.TryAdd(messageId, endpoint, client.SmsId, report, request.Message.Body, instances, attachments, _timeProvider.GetUtcNow()))
        {
            LogStored(_logger, messageId, endpoint, client.SmsId, report.ReportType ?? "(none)", instances.Count, attachments.Count);
        }
        else
        {
            LogDuplicate(_logger, messageId, endpoint, client.SmsId);
        }

        return Accepted;
    }

    [LoggerMessage(EventId = 60, Level = LogLevel.Warning, Message = "Message {MessageId} to {Endpoint} refused with an empty 200: SourceID {SourceId} is not a registered client.")]
    private static partial void LogUnknownClient(ILogger logger, string messageId, string endpoint, string sourceId);

    [LoggerMessage(EventId = 61, Level = LogLevel.Warning, Message = "Message {MessageId} to {Endpoint} from {SmsId} refused with an empty 200: {Reason}.")]
    private static partial void LogMalformed(ILogger logger, string messageId, string endpoint, string smsId, string reason);

    [LoggerMessage(EventId = 62, Level = LogLevel.Warning, Message = "Message {MessageId} to {Endpoint}: the report names client {ReportedClientId} but was signed by {SmsId}; stored under {SmsId}.")]
    private static partial void LogClientIdMismatch(ILogger logger, string messageId, string endpoint, string smsId, string reportedClientId);

    [LoggerMessage(EventId = 63, Level = LogLevel.Information, Message = "Stored {ReportType} report {MessageId} from {SmsId} via {Endpoint}: {Instances} instance(s), {Attachments} attachment(s).")]
    private static partial void LogStored(ILogger logger, string messageId, string endpoint, string smsId, string reportType, int instances, int attachments);

    [LoggerMessage(EventId = 64, Level = LogLevel.Information, Message = "Duplicate message {MessageId} to {Endpoint} from {SmsId}: already stored, acknowledged again.")]
    private static partial void LogDuplicate(ILogger logger, string messageId, string endpoint, string smsId);
}
