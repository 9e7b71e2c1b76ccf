using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CmgSim.ManagementPoint.SiteDatabase;

/// <summary>
/// The site database (SQLite). Every write is one committed IMMEDIATE transaction on a WAL
/// database with <c>synchronous=FULL</c>, so a row the MP has answered about survives a crash.
/// Without <see cref="ManagementPointOptions.SiteDatabasePath"/> the database is a shared
/// in-memory one kept alive by a held connection (lost at shutdown, fine for unit hosts).
/// </summary>
internal sealed partial class SiteDatabaseStore : IDisposable
{
    private const string Columns = "SmsId, NetbiosName, Fqdn, SigningPublicKey, SigningCertificate, EncryptionCertificate, ApprovalStatus, RegisteredVia, AgentIdentity, RegisteredAt, UpdatedAt, RegistrationCount, EntraDeviceId";

    private readonly string _connectionString;
    private readonly SqliteConnection? _keepAlive;
    private readonly bool _isFile;

    public SiteDatabaseStore(IOptions<ManagementPointOptions> options, ILoggerFactory loggerFactory)
    {
        var path = options.Value.SiteDatabasePath;
        _isFile = !string.IsNullOrWhiteSpace(path);
        _connectionString = _isFile
            ? new SqliteConnectionStringBuilder { DataSource = Path.GetFullPath(path!), Mode = SqliteOpenMode.ReadWriteCreate, Pooling = true }.ToString()
            : new SqliteConnectionStringBuilder { DataSource = "cmgsim-site-" + Guid.NewGuid().ToString("N"), Mode = SqliteOpenMode.Memory, Cache = SqliteCacheMode.Shared }.ToString();
        if (!_isFile)
        {
            _keepAlive = new SqliteConnection(_connectionString);
            _keepAlive.Open();
        }

        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            CREATE TABLE IF NOT EXISTS Clients (
                SmsId TEXT PRIMARY KEY COLLATE NOCASE,
                NetbiosName TEXT, Fqdn TEXT,
                SigningPublicKey TEXT NOT NULL,
                SigningCertificate BLOB, EncryptionCertificate BLOB,
                ApprovalStatus INTEGER NOT NULL,
                RegisteredVia TEXT NOT NULL, AgentIdentity TEXT,
                RegisteredAt TEXT NOT NULL, UpdatedAt TEXT NOT NULL,
                RegistrationCount INTEGER NOT NULL);
            CREATE INDEX IF NOT EXISTS IX_Clients_SigningPublicKey ON Clients (SigningPublicKey);
            """;
        command.ExecuteNonQuery();
        AddColumnIfMissing(connection, "Clients", "EntraDeviceId", "TEXT COLLATE NOCASE");
        LogOpened(loggerFactory.CreateLogger(ManagementPointLogCategories.Registration), _isFile ? path! : "(in memory)");
    }

    public ClientRecord? FindBySmsId(string smsId) => QuerySingle("SmsId = $value", smsId);

    public ClientRecord? FindBySigningKey(string publicKeyHex) => QuerySingle("SigningPublicKey = $value", publicKeyHex);

    /// <summary>The client an Entra-joined device registered as (one SMSID per Entra device id).</summary>
    public ClientRecord? FindByEntraDeviceId(Guid deviceId) => QuerySingle("EntraDeviceId = $value", deviceId.ToString("D"));

    /// <summary>Inserts or replaces the row in one durable transaction; returns when it is committed.</summary>
    public void Upsert(ClientRecord record)
    {
        using var connection = Open();
        using var transaction = connection.BeginTransaction(deferred: false);
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"""
            INSERT INTO Clients ({Columns})
            VALUES ($SmsId, $NetbiosName, $Fqdn, $SigningPublicKey, $SigningCertificate, $EncryptionCertificate, $ApprovalStatus, $RegisteredVia, $AgentIdentity, $RegisteredAt, $UpdatedAt, $RegistrationCount, $EntraDeviceId)
            ON CONFLICT(SmsId) DO UPDATE SET
                NetbiosName = excluded.NetbiosName, Fqdn = excluded.Fqdn, SigningPublicKey = excluded.SigningPublicKey,
                SigningCertificate = excluded.SigningCertificate, EncryptionCertificate = excluded.EncryptionCertificate,
                ApprovalStatus = excluded.ApprovalStatus, RegisteredVia = excluded.RegisteredVia, AgentIdentity = excluded.AgentIdentity,
                UpdatedAt = excluded.UpdatedAt, RegistrationCount = excluded.RegistrationCount, EntraDeviceId = excluded.EntraDeviceId;
            """;
        command.Parameters.AddWithValue("$SmsId", record.SmsId);
        command.Parameters.AddWithValue("$NetbiosName", (object?)record.NetbiosName ?? DBNull.Value);
        command.Parameters.AddWithValue("$Fqdn", (object?)record.Fqdn ?? DBNull.Value);
        command.Parameters.AddWithValue("$SigningPublicKey", record.SigningPublicKey);
        command.Parameters.AddWithValue("$SigningCertificate", (object?)record.SigningCertificate ?? DBNull.Value);
        command.Parameters.AddWithValue("$EncryptionCertificate", (object?)record.EncryptionCertificate ?? DBNull.Value);
        command.Parameters.AddWithValue("$ApprovalStatus", (int)record.ApprovalStatus);
        command.Parameters.AddWithValue("$RegisteredVia", record.RegisteredVia);
        command.Parameters.AddWithValue("$AgentIdentity", (object?)record.AgentIdentity ?? DBNull.Value);
        command.Parameters.AddWithValue("$RegisteredAt", record.RegisteredAt.ToString("O", CultureInfo.InvariantCulture));
        command.Parameters.AddWithValue("$UpdatedAt", record.UpdatedAt.ToString("O", CultureInfo.InvariantCulture));
        command.Parameters.AddWithValue("$RegistrationCount", record.RegistrationCount);
        command.Parameters.AddWithValue("$EntraDeviceId", record.EntraDeviceId is { } device ? device.ToString("D") : DBNull.Value);
        command.ExecuteNonQuery();
        transaction.Commit();
    }

    /// <summary>
    /// An open connection to the same database with the same durability pragmas, for features that keep
    /// their own tables here (inventory, state messages); the caller disposes it.
    /// </summary>
    internal SqliteConnection OpenConnection() => Open();

    /// <summary>A command inside <paramref name="transaction"/>, for stores that write several tables at once.</summary>
    internal static SqliteCommand Command(SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }

    public void Dispose() => _keepAlive?.Dispose();

    /// <summary>Site databases written by an older build lack newer columns; SQLite adds them in place.</summary>
    private static void AddColumnIfMissing(SqliteConnection connection, string table, string column, string type)
    {
        using var probe = connection.CreateCommand();
        probe.CommandText = $"SELECT COUNT(*) FROM pragma_table_info('{table}') WHERE name = $column";
        probe.Parameters.AddWithValue("$column", column);
        if (Convert.ToInt64(probe.ExecuteScalar(), CultureInfo.InvariantCulture) == 0)
        {
            using var alter = connection.CreateCommand();
            alter.CommandText = $"ALTER TABLE {table} ADD COLUMN {column} {type}";
            alter.ExecuteNonQuery();
        }
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using var pragma = connection.CreateCommand();

        // journal_mode sticks to the file; synchronous is per connection, so it is set on every open.
        pragma.CommandText = _isFile ? "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;" : "PRAGMA synchronous=FULL;";
        pragma.ExecuteNonQuery();
        return connection;
    }

    private ClientRecord? QuerySingle(string where, string value)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns} FROM Clients WHERE {where} ORDER BY UpdatedAt DESC LIMIT 1";
        command.Parameters.AddWithValue("$value", value);
        using var reader = command.ExecuteReader();
        if (!reader.Read())
        {
            return null;
        }

        return new ClientRecord
        {
            SmsId = reader.GetString(0),
            NetbiosName = reader.IsDBNull(1) ? null : reader.GetString(1),
            Fqdn = reader.IsDBNull(2) ? null : reader.GetString(2),
            SigningPublicKey = reader.GetString(3),
            SigningCertificate = reader.IsDBNull(4) ? null : (byte[])reader.GetValue(4),
            EncryptionCertificate = reader.IsDBNull(5) ? null : (byte[])reader.GetValue(5),
            ApprovalStatus = (RegistrationApprovalStatus)reader.GetInt32(6),
            RegisteredVia = reader.GetString(7),
            AgentIdentity = reader.IsDBNull(8) ? null : reader.GetString(8),
            RegisteredAt = DateTimeOffset.Parse(reader.GetString(9), CultureInfo.InvariantCulture),
            UpdatedAt = DateTimeOffset.Parse(reader.GetString(10), CultureInfo.InvariantCulture),
            RegistrationCount = reader.GetInt32(11),
            EntraDeviceId = reader.IsDBNull(12) ? null : Guid.Parse(reader.GetString(12)),
        };
    }

    [LoggerMessage(EventId = 40, Level = LogLevel.Information, Message = "Site database opened: {Location}")]
    private static partial void LogOpened(ILogger logger, string location);
}
