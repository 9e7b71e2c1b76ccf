using CmgSim.Identity.SiteTokens;
using CmgSim.Identity.Tests.Tokens;
using Microsoft.Data.Sqlite;

namespace CmgSim.Identity.Tests.SiteTokens;

public sealed class BulkRegistrationTokenStoreTests : IDisposable
{
    private readonly TokenTestKit _kit = new();

    private string DatabasePath => Path.Combine(_kit.Root, "site.db");

    [Fact]
    public void Added_token_is_listed_with_its_guid_and_validity_but_the_jwt_is_stored_nowhere()
    {
        var store = new BulkRegistrationTokenStore(DatabasePath, _kit.Time);
        var token = _kit.Service.CreateBulkRegistrationToken();

        store.Add(token);

        var record = Assert.Single(store.List());
        Assert.Equal(token.TokenId, record.TokenId);
        Assert.Equal(token.ValidFrom, record.ValidFrom);
        Assert.Equal(token.ValidTo, record.ValidTo);
        Assert.Equal(TokenTestKit.Start, record.CreatedAt);
        Assert.False(record.Blocked);
        Assert.Null(record.BlockedAt);
        Assert.Equal(BulkRegistrationTokenStatus.Active, record.StatusAt(_kit.Time.GetUtcNow()));
        Assert.Equal(BulkRegistrationTokenStatus.Expired, record.StatusAt(token.ValidTo));
        SqliteConnection.ClearAllPools();
        foreach (var file in Directory.GetFiles(_kit.Root, "site.db*"))
        {
            Assert.DoesNotContain(token.Jwt.Split('.')[2], System.Text.Encoding.ASCII.GetString(File.ReadAllBytes(file)));
        }
    }

    [Fact]
    public void Block_and_unblock_change_the_state_and_unknown_tokens_return_false()
    {
        var store = new BulkRegistrationTokenStore(DatabasePath, _kit.Time);
        var token = _kit.Service.CreateBulkRegistrationToken();
        store.Add(token);

        _kit.Time.Advance(TimeSpan.FromMinutes(5));
        Assert.True(store.Block(token.TokenId));
        _kit.Time.Advance(TimeSpan.FromMinutes(5));
        Assert.True(store.Block(token.TokenId));
        var blocked = Assert.Single(store.List());
        Assert.True(store.IsBlocked(token.TokenId));
        Assert.True(store.Unblock(token.TokenId));

        Assert.True(blocked.Blocked);
        Assert.Equal(TokenTestKit.Start.AddMinutes(5), blocked.BlockedAt);
        Assert.Equal(BulkRegistrationTokenStatus.Blocked, blocked.StatusAt(_kit.Time.GetUtcNow()));
        Assert.False(store.IsBlocked(token.TokenId));
        Assert.Null(Assert.Single(store.List()).BlockedAt);
        Assert.False(store.Block(Guid.NewGuid()));
        Assert.False(store.Unblock(Guid.NewGuid()));
        Assert.False(store.IsBlocked(Guid.NewGuid()));
    }

    [Fact]
    public void Store_shares_site_db_with_other_tables_and_other_store_instances()
    {
        using (var connection = new SqliteConnection($"Data Source={DatabasePath}"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "CREATE TABLE Clients (SmsId TEXT PRIMARY KEY); INSERT INTO Clients VALUES ('GUID:1');";
            command.ExecuteNonQuery();
        }

        var first = new BulkRegistrationTokenStore(DatabasePath, _kit.Time);
        var second = new BulkRegistrationTokenStore(DatabasePath, _kit.Time);
        var token = _kit.Service.CreateBulkRegistrationToken();
        first.Add(token);

        Assert.True(second.Block(token.TokenId));
        Assert.True(first.IsBlocked(token.TokenId));
        using var check = new SqliteConnection($"Data Source={DatabasePath}");
        check.Open();
        using var count = check.CreateCommand();
        count.CommandText = "SELECT COUNT(*) FROM Clients";
        Assert.Equal(1L, count.ExecuteScalar());
    }

    [Fact]
    public void Cached_block_list_rereads_the_database_at_most_once_per_interval()
    {
        var store = new BulkRegistrationTokenStore(DatabasePath, _kit.Time);
        var token = _kit.Service.CreateBulkRegistrationToken();
        store.Add(token);
        var blockList = new CachedBulkTokenBlockList(store, _kit.Time) { RefreshInterval = TimeSpan.FromSeconds(1) };

        Assert.False(blockList.IsBlocked(token.TokenId));
        store.Block(token.TokenId);
        _kit.Time.Advance(TimeSpan.FromMilliseconds(900));
        var stale = blockList.IsBlocked(token.TokenId);
        _kit.Time.Advance(TimeSpan.FromMilliseconds(100));
        var fresh = blockList.IsBlocked(token.TokenId);
        store.Unblock(token.TokenId);
        _kit.Time.Advance(TimeSpan.FromSeconds(1));

        Assert.False(stale);
        Assert.True(fresh);
        Assert.False(blockList.IsBlocked(token.TokenId));
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _kit.Dispose();
    }
}
