using System.Globalization;
using Microsoft.Data.Sqlite;

namespace CmgSim.Identity.SiteTokens;

/// <summary>
/// Issued bulk registration tokens in the lab's <c>site.db</c> (table <c>BulkRegistrationTokens</c>, next to the
/// MP's tables): GUID, validity and block state only, as the product keeps no token, only the GUID the console
/// can block. Same conventions as the MP's SiteDatabaseStore: WAL, <c>synchronous=FULL</c>, one committed write per
/// call, plus a busy timeout because <c>cmgsim token block</c> writes from another process while the lab runs.
/// </summary>
public sealed class BulkRegistrationTokenStore
{
    private const int BusyTimeoutMilliseconds = 5000;
    private const string Columns = "TokenId, ValidFrom, ValidTo, Blocked, BlockedAt, CreatedAt";

    private readonly string _connectionString;
    private readonly TimeProvider _timeProvider;

    public BulkRegistrationTokenStore(string databasePath, TimeProvider timeProvider)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(databasePath);
        ArgumentNullException.ThrowIfNull(timeProvider);
        var fullPath = Path.GetFullPath(databasePath);
        Directory.CreateDirectory(Path.GetDirectoryName(fullPath)!);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = fullPath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = BusyTimeoutMilliseconds / 1000,
        }.ToString();
        _timeProvider = timeProvider;

        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            CREATE TABLE IF NOT EXISTS BulkRegistrationTokens (
                TokenId TEXT PRIMARY KEY COLLATE NOCASE,
                ValidFrom TEXT NOT NULL, ValidTo TEXT NOT NULL,
                Blocked INTEGER NOT NULL DEFAULT 0, BlockedAt TEXT,
                CreatedAt TEXT NOT NULL);
            """;
        command.ExecuteNonQuery();
    }

    public void Add(BulkRegistrationToken token)
    {
        ArgumentNullException.ThrowIfNull(token);
        Write(
            $"INSERT INTO BulkRegistrationTokens ({Columns}) VALUES ($TokenId, $ValidFrom, $ValidTo, 0, NULL, $CreatedAt)",
            command =>
            {
                command.Parameters.AddWithValue("$TokenId", Format(token.TokenId));
                command.Parameters.AddWithValue("$ValidFrom", Format(token.ValidFrom));
                command.Parameters.AddWithValue("$ValidTo", Format(token.ValidTo));
                command.Parameters.AddWithValue("$CreatedAt", Format(_timeProvider.GetUtcNow()));
            });
    }

    /// <summary>Every issued token, oldest first.</summary>
    public IReadOnlyList<BulkRegistrationTokenRecord> List()
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns} FROM BulkRegistrationTokens ORDER BY CreatedAt, TokenId";
        using var reader = command.ExecuteReader();
        var records = new List<BulkRegistrationTokenRecord>();
        while (reader.Read())
        {
            records.Add(new BulkRegistrationTokenRecord(
                Guid.Parse(reader.GetString(0)),
                Parse(reader.GetString(1)),
                Parse(reader.GetString(2)),
                reader.GetInt64(3) != 0,
                reader.IsDBNull(4) ? null : Parse(reader.GetString(4)),
                Parse(reader.GetString(5))));
        }

        return records;
    }

    /// <summary>Blocks the token (the console's Block); false when no such token was issued. Blocking twice keeps the first time.</summary>
    public bool Block(Guid tokenId) =>
        Write(
            "UPDATE BulkRegistrationTokens SET BlockedAt = CASE WHEN Blocked = 1 THEN BlockedAt ELSE $now END, Blocked = 1 WHERE TokenId = $TokenId",
            command =>
            {
                command.Parameters.AddWithValue("$TokenId", Format(tokenId));
                command.Parameters.AddWithValue("$now", Format(_timeProvider.GetUtcNow()));
            }) > 0;

    /// <summary>Unblocks the token; false when no such token was issued.</summary>
    public bool Unblock(Guid tokenId) =>
        Write(
            "UPDATE BulkRegistrationTokens SET Blocked = 0, BlockedAt = NULL WHERE TokenId = $TokenId",
            command => command.Parameters.AddWithValue("$TokenId", Format(tokenId))) > 0;

    public bool IsBlocked(Guid tokenId)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT Blocked FROM BulkRegistrationTokens WHERE TokenId = $TokenId";
        command.Parameters.AddWithValue("$TokenId", Format(tokenId));
        return command.ExecuteScalar() is long blocked && blocked != 0;
    }

    /// <summary>The GUIDs of every blocked token, for <see cref="CachedBulkTokenBlockList"/>.</summary>
    internal HashSet<Guid> ReadBlockedIds()
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT TokenId FROM BulkRegistrationTokens WHERE Blocked = 1";
        using var reader = command.ExecuteReader();
        var ids = new HashSet<Guid>();
        while (reader.Read())
        {
            ids.Add(Guid.Parse(reader.GetString(0)));
        }

        return ids;
    }

    private int Write(string sql, Action<SqliteCommand> bind)
    {
        using var connection = Open();
        using var transaction = connection.BeginTransaction(deferred: false);
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        bind(command);
        var rows = command.ExecuteNonQuery();
        transaction.Commit();
        return rows;
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using var pragma = connection.CreateCommand();

        // journal_mode sticks to the file; synchronous and busy_timeout are per connection, so they are set on every open.
        pragma.CommandText = $"PRAGMA busy_timeout={BusyTimeoutMilliseconds}; PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;";
        pragma.ExecuteNonQuery();
        return connection;
    }

    private static string Format(Guid id) => id.ToString("D", CultureInfo.InvariantCulture);

    private static string Format(DateTimeOffset time) => time.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);

    private static DateTimeOffset Parse(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
}
