using System.Globalization;
using CmgSim.ManagementPoint.SiteDatabase;

namespace CmgSim.ManagementPoint.Inventory;

/// <summary>
/// Inventory and discovery reports in the site database. <c>MessageId</c> is UNIQUE so a client's retry of an
/// already committed post (it never saw the acknowledgement) is recognised instead of stored twice.
/// </summary>
internal sealed class InventoryStore
{
    private readonly SiteDatabaseStore _database;

    public InventoryStore(SiteDatabaseStore database)
    {
        _database = database;
        using var connection = database.OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = """
            CREATE TABLE IF NOT EXISTS InventoryReports (
                Id INTEGER PRIMARY KEY,
                MessageId TEXT NOT NULL UNIQUE COLLATE NOCASE,
                Endpoint TEXT NOT NULL, SmsId TEXT NOT NULL COLLATE NOCASE, NetbiosName TEXT,
                ReportType TEXT, InventoryActionId TEXT, ReportDate TEXT,
                InstanceCount INTEGER NOT NULL, AttachmentCount INTEGER NOT NULL,
                ReceivedAt TEXT NOT NULL, Body TEXT NOT NULL);
            CREATE INDEX IF NOT EXISTS IX_InventoryReports_SmsId ON InventoryReports (SmsId, Endpoint);
            CREATE TABLE IF NOT EXISTS InventoryInstances (
                ReportId INTEGER NOT NULL REFERENCES InventoryReports (Id), Ordinal INTEGER NOT NULL,
                Class TEXT NOT NULL, ParentClass TEXT, Namespace TEXT, Content TEXT, Properties TEXT NOT NULL,
                PRIMARY KEY (ReportId, Ordinal));
            CREATE TABLE IF NOT EXISTS InventoryAttachments (
                ReportId INTEGER NOT NULL REFERENCES InventoryReports (Id), Ordinal INTEGER NOT NULL,
                Name TEXT, Offset INTEGER NOT NULL, Length INTEGER NOT NULL, Content TEXT NOT NULL,
                PRIMARY KEY (ReportId, Ordinal));
            """;
        command.ExecuteNonQuery();
    }

    /// <summary>Stores the report, its instances and attachments in one committed transaction.</summary>
    /// <returns>False when <paramref name="messageId"/> was already stored (nothing written).</returns>
    public bool TryAdd(
        string messageId,
        string endpoint,
        string smsId,
        CcmReport report,
        string body,
        IReadOnlyList<InventoryInstance> instances,
        IReadOnlyList<InventoryAttachment> attachments,
        DateTimeOffset receivedAt)
    {
        using var connection = _database.OpenConnection();
        using var transaction = connection.BeginTransaction(deferred: false);
        using var insert = SiteDatabaseStore.Command(connection, transaction, """
            INSERT INTO InventoryReports (MessageId, Endpoint, SmsId, NetbiosName, ReportType, InventoryActionId, ReportDate, InstanceCount, AttachmentCount, ReceivedAt, Body)
            VALUES ($MessageId, $Endpoint, $SmsId, $NetbiosName, $ReportType, $InventoryActionId, $ReportDate, $InstanceCount, $AttachmentCount, $ReceivedAt, $Body)
            ON CONFLICT (MessageId) DO NOTHING
            RETURNING Id;
            """);
        insert.Parameters.AddWithValue("$MessageId", messageId);
        insert.Parameters.AddWithValue("$Endpoint", endpoint);
        insert.Parameters.AddWithValue("$SmsId", smsId);
        insert.Parameters.AddWithValue("$NetbiosName", (object?)report.NetbiosName ?? DBNull.Value);
        insert.Parameters.AddWithValue("$ReportType", (object?)report.ReportType ?? DBNull.Value);
        insert.Parameters.AddWithValue("$InventoryActionId", (object?)report.InventoryActionId ?? DBNull.Value);
        insert.Parameters.AddWithValue("$ReportDate", (object?)report.ReportDate ?? DBNull.Value);
        insert.Parameters.AddWithValue("$InstanceCount", instances.Count);
        insert.Parameters.AddWithValue("$AttachmentCount", attachments.Count);
        insert.Parameters.AddWithValue("$ReceivedAt", receivedAt.ToString("O", CultureInfo.InvariantCulture));
        insert.Parameters.AddWithValue("$Body", body);
        if (insert.ExecuteScalar() is not long reportId)
        {
            return false;
        }

        for (var i = 0; i < instances.Count; i++)
        {
            using var command = SiteDatabaseStore.Command(connection, transaction, """
                INSERT INTO InventoryInstances (ReportId, Ordinal, Class, ParentClass, Namespace, Content, Properties)
                VALUES ($ReportId, $Ordinal, $Class, $ParentClass, $Namespace, $Content, $Properties);
                """);
            command.Parameters.AddWithValue("$ReportId", reportId);
            command.Parameters.AddWithValue("$Ordinal", i);
            command.Parameters.AddWithValue("$Class", instances[i].Class);
            command.Parameters.AddWithValue("$ParentClass", (object?)instances[i].ParentClass ?? DBNull.Value);
            command.Parameters.AddWithValue("$Namespace", (object?)instances[i].Namespace ?? DBNull.Value);
            command.Parameters.AddWithValue("$Content", (object?)instances[i].Content ?? DBNull.Value);
            command.Parameters.AddWithValue("$Properties", instances[i].Properties);
            command.ExecuteNonQuery();
        }

        for (var i = 0; i < attachments.Count; i++)
        {
            using var command = SiteDatabaseStore.Command(connection, transaction, """
                INSERT INTO InventoryAttachments (ReportId, Ordinal, Name, Offset, Length, Content)
                VALUES ($ReportId, $Ordinal, $Name, $Offset, $Length, $Content);
                """);
            command.Parameters.AddWithValue("$ReportId", reportId);
            command.Parameters.AddWithValue("$Ordinal", i);
            command.Parameters.AddWithValue("$Name", (object?)attachments[i].Name ?? DBNull.Value);
            command.Parameters.AddWithValue("$Offset", attachments[i].Offset);
            command.Parameters.AddWithValue("$Length", attachments[i].Length);
            command.Parameters.AddWithValue("$Content", attachments[i].Text);
            command.ExecuteNonQuery();
        }

        transaction.Commit();
        return true;
    }
}
