using System.Globalization;
using System.Text.Json;
using CmgSim.ManagementPoint.SiteDatabase;

namespace CmgSim.ManagementPoint.StateMessages;

/// <summary>
/// Relayed state and status messages in the site database (the product writes them as .SMX/.SVF files for the
/// site server; here they are rows). <c>RelayMessages.MessageId</c> is UNIQUE so a retried post is stored once.
/// </summary>
internal sealed class StateMessageStore
{
    private readonly SiteDatabaseStore _database;

    public StateMessageStore(SiteDatabaseStore database)
    {
        _database = database;
        using var connection = database.OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = """
            CREATE TABLE IF NOT EXISTS RelayMessages (
                Id INTEGER PRIMARY KEY,
                MessageId TEXT NOT NULL UNIQUE COLLATE NOCASE,
                SmsId TEXT NOT NULL COLLATE NOCASE, SourceHost TEXT, ReportContent TEXT,
                StateCount INTEGER NOT NULL, StatusCount INTEGER NOT NULL,
                ReceivedAt TEXT NOT NULL, Body TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS StateMessages (
                RelayId INTEGER NOT NULL REFERENCES RelayMessages (Id), Ordinal INTEGER NOT NULL,
                SmsId TEXT NOT NULL COLLATE NOCASE,
                TopicId TEXT NOT NULL COLLATE NOCASE, TopicType INTEGER NOT NULL, TopicIdType INTEGER,
                StateId INTEGER NOT NULL, Criticality INTEGER, SerialNumber INTEGER, MessageTime TEXT,
                UserParameters TEXT NOT NULL,
                PRIMARY KEY (RelayId, Ordinal));
            CREATE INDEX IF NOT EXISTS IX_StateMessages_Topic ON StateMessages (TopicType, TopicId);
            CREATE TABLE IF NOT EXISTS StatusMessages (
                RelayId INTEGER NOT NULL REFERENCES RelayMessages (Id), Ordinal INTEGER NOT NULL,
                SmsId TEXT NOT NULL COLLATE NOCASE,
                ModuleName TEXT, Component TEXT, StatusMessageId INTEGER, Severity TEXT, Xml TEXT NOT NULL,
                PRIMARY KEY (RelayId, Ordinal));
            """;
        command.ExecuteNonQuery();
    }

    /// <summary>Stores the post and its messages in one committed transaction.</summary>
    /// <returns>False when <paramref name="messageId"/> was already stored (nothing written).</returns>
    public bool TryAdd(string messageId, string smsId, string? sourceHost, RelayContent content, string body, DateTimeOffset receivedAt)
    {
        using var connection = _database.OpenConnection();
        using var transaction = connection.BeginTransaction(deferred: false);
        using var insert = SiteDatabaseStore.Command(connection, transaction, """
            INSERT INTO RelayMessages (MessageId, SmsId, SourceHost, ReportContent, StateCount, StatusCount, ReceivedAt, Body)
            VALUES ($MessageId, $SmsId, $SourceHost, $ReportContent, $StateCount, $StatusCount, $ReceivedAt, $Body)
            ON CONFLICT (MessageId) DO NOTHING
            RETURNING Id;
            """);
        insert.Parameters.AddWithValue("$MessageId", messageId);
        insert.Parameters.AddWithValue("$SmsId", smsId);
        insert.Parameters.AddWithValue("$SourceHost", (object?)sourceHost ?? DBNull.Value);
        insert.Parameters.AddWithValue("$ReportContent", (object?)content.ReportContent ?? DBNull.Value);
        insert.Parameters.AddWithValue("$StateCount", content.StateMessages.Count);
        insert.Parameters.AddWithValue("$StatusCount", content.StatusMessages.Count);
        insert.Parameters.AddWithValue("$ReceivedAt", receivedAt.ToString("O", CultureInfo.InvariantCulture));
        insert.Parameters.AddWithValue("$Body", body);
        if (insert.ExecuteScalar() is not long relayId)
        {
            return false;
        }

        for (var i = 0; i < content.StateMessages.Count; i++)
        {
            var state = content.StateMessages[i];
            using var command = SiteDatabaseStore.Command(connection, transaction, """
                INSERT INTO StateMessages (RelayId, Ordinal, SmsId, TopicId, TopicType, TopicIdType, StateId, Criticality, SerialNumber, MessageTime, UserParameters)
                VALUES ($RelayId, $Ordinal, $SmsId, $TopicId, $TopicType, $TopicIdType, $StateId, $Criticality, $SerialNumber, $MessageTime, $UserParameters);
                """);
            command.Parameters.AddWithValue("$RelayId", relayId);
            command.Parameters.AddWithValue("$Ordinal", i);
            command.Parameters.AddWithValue("$SmsId", smsId);
            command.Parameters.AddWithValue("$TopicId", state.TopicId);
            command.Parameters.AddWithValue("$TopicType", state.TopicType);
            command.Parameters.AddWithValue("$TopicIdType", (object?)state.TopicIdType ?? DBNull.Value);
            command.Parameters.AddWithValue("$StateId", state.StateId);
            command.Parameters.AddWithValue("$Criticality", (object?)state.Criticality ?? DBNull.Value);
            command.Parameters.AddWithValue("$SerialNumber", (object?)state.SerialNumber ?? DBNull.Value);
            command.Parameters.AddWithValue("$MessageTime", (object?)state.MessageTime ?? DBNull.Value);
            command.Parameters.AddWithValue("$UserParameters", JsonSerializer.Serialize(state.UserParameters));
            command.ExecuteNonQuery();
        }

        for (var i = 0; i < content.StatusMessages.Count; i++)
        {
            var status = content.StatusMessages[i];
            using var command = SiteDatabaseStore.Command(connection, transaction, """
                INSERT INTO StatusMessages (RelayId, Ordinal, SmsId, ModuleName, Component, StatusMessageId, Severity, Xml)
                VALUES ($RelayId, $Ordinal, $SmsId, $ModuleName, $Component, $StatusMessageId, $Severity, $Xml);
                """);
            command.Parameters.AddWithValue("$RelayId", relayId);
            command.Parameters.AddWithValue("$Ordinal", i);
            command.Parameters.AddWithValue("$SmsId", smsId);
            command.Parameters.AddWithValue("$ModuleName", (object?)status.ModuleName ?? DBNull.Value);
            command.Parameters.AddWithValue("$Component", (object?)status.Component ?? DBNull.Value);
            command.Parameters.AddWithValue("$StatusMessageId", (object?)status.StatusMessageId ?? DBNull.Value);
            command.Parameters.AddWithValue("$Severity", (object?)status.Severity ?? DBNull.Value);
            command.Parameters.AddWithValue("$Xml", status.Xml);
            command.ExecuteNonQuery();
        }

        transaction.Commit();
        return true;
    }
}
