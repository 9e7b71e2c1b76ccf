using Microsoft.Data.Sqlite;

namespace CmgSim.LoadTests.Scenarios;

/// <summary>
/// Reads what the MP committed to its site database (the SQLite file): each relayed post by message id, with the
/// state message rows stored for it. Read-only, beside the running MP (the database is in WAL mode).
/// </summary>
internal static class RelayMessageCheck
{
    /// <returns>Message id → state message rows, for every relayed post in the database.</returns>
    public static async Task<IReadOnlyDictionary<string, int>> ReadStoredAsync(string siteDatabase, CancellationToken cancellationToken)
    {
        var connectionString = new SqliteConnectionStringBuilder { DataSource = siteDatabase, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString();
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT r.MessageId, COUNT(s.Ordinal)
            FROM RelayMessages r LEFT JOIN StateMessages s ON s.RelayId = r.Id
            GROUP BY r.Id;
            """;
        var stored = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            stored[reader.GetString(0)] = reader.GetInt32(1);
        }

        return stored;
    }
}
