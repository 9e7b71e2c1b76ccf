using CmgSim.ManagementPoint.CcmMessaging;
using CmgSim.ManagementPoint.Inventory;
using CmgSim.ManagementPoint.SiteDatabase;
using CmgSim.Messaging;
using CmgSim.Messaging.Signing;
using Microsoft.Extensions.Logging;

namespace CmgSim.ManagementPoint.StateMessages;

/// <summary>
/// <c>MP_RelayEndpoint</c> (client-protocols §3.7): state and status messages, asynchronous. The post is committed
/// before this returns, because the dispatcher acknowledges it as soon as it does; a retry of a stored message id is
/// acknowledged again without a second row.
/// </summary>
internal sealed partial class RelayEndpoint : ICcmMessageHandler
{
    public const string Name = "MP_RelayEndpoint";

    private readonly SiteDatabaseStore _database;
    private readonly StateMessageStore _store;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;

    public RelayEndpoint(SiteDatabaseStore database, StateMessageStore store, TimeProvider timeProvider, ILoggerFactory loggerFactory)
    {
        _database = database;
        _store = store;
        _timeProvider = timeProvider;
        _logger = loggerFactory.CreateLogger(ManagementPointLogCategories.StateMessages);
    }

    public string EndpointName => Name;

    public ValueTask<string?> HandleAsync(CcmEnvelope request, CcmRequestContext context, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Accept(request));

    private string? Accept(CcmEnvelope request)
    {
        var header = request.Header;
        if (!SmsId.TryParse(header.SourceId, out _) || _database.FindBySmsId(SmsId.Normalize(header.SourceId!)) is not { } client)
        {
            LogUnknownClient(_logger, header.Id ?? string.Empty, header.SourceId ?? "(none)");
            return null;
        }

        if (!RelayContent.TryParse(request.Message.Body, out var content, out var error))
        {
            LogMalformed(_logger, header.Id ?? string.Empty, client.SmsId, error!);
            return null;
        }

        var messageId = MessageKey.For(header.Id, _logger);
        if (!_store.TryAdd(messageId, client.SmsId, header.SourceHost, content!, request.Message.Body, _timeProvider.GetUtcNow()))
        {
            LogDuplicate(_logger, messageId, client.SmsId);
            return InventoryIntake.Accepted;
        }

        LogStored(_logger, messageId, client.SmsId, content!.StateMessages.Count, content.StatusMessages.Count);
        foreach (var state in content.StateMessages)
        {
            LogState(_logger, messageId, state.TopicType, state.TopicId, state.StateId);
        }

        return InventoryIntake.Accepted;
    }

    [LoggerMessage(EventId = 70, Level = LogLevel.Warning, Message = "Relay message {MessageId} refused with an empty 200: SourceID {SourceId} is not a registered client.")]
    private static partial void LogUnknownClient(ILogger logger, string messageId, string sourceId);

    [LoggerMessage(EventId = 71, Level = LogLevel.Warning, Message = "Relay message {MessageId} from {SmsId} refused with an empty 200: {Reason}.")]
    private static partial void LogMalformed(ILogger logger, string messageId, string smsId, string reason);

    [LoggerMessage(EventId = 72, Level = LogLevel.Information, Message = "Stored relay message {MessageId} from {SmsId}: {States} state message(s), {Statuses} status message(s).")]
    private static partial void LogStored(ILogger logger, string messageId, string smsId, int states, int statuses);

    [LoggerMessage(EventId = 73, Level = LogLevel.Debug, Message = "Relay message {MessageId}: topic type {TopicType}, topic {TopicId}, state {StateId}.")]
    private static partial void LogState(ILogger logger, string messageId, int topicType, string topicId, int stateId);

    [LoggerMessage(EventId = 74, Level = LogLevel.Information, Message = "Duplicate relay message {MessageId} from {SmsId}: already stored, acknowledged again.")]
    private static partial void LogDuplicate(ILogger logger, string messageId, string smsId);
}
