using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CmgSim.Identity.SiteTokens;

/// <summary>
/// The blocked set of a <see cref="BulkRegistrationTokenStore"/>, re-read at most every <see cref="RefreshInterval"/>:
/// a hot path never reads the database per request, and a block made by another process (<c>cmgsim token block</c>)
/// takes effect within about one interval. The first caller past the interval reloads; others use the previous set.
/// </summary>
public sealed partial class CachedBulkTokenBlockList : IBulkTokenBlockList
{
    private readonly BulkRegistrationTokenStore _store;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private HashSet<Guid> _blocked = [];
    private long _nextRefreshTimestamp = long.MinValue;
    private int _refreshing;

    public CachedBulkTokenBlockList(BulkRegistrationTokenStore store, TimeProvider timeProvider, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _store = store;
        _timeProvider = timeProvider;
        _logger = logger ?? NullLogger.Instance;
    }

    public TimeSpan RefreshInterval { get; init; } = TimeSpan.FromSeconds(1);

    public bool IsBlocked(Guid tokenId)
    {
        RefreshIfDue();
        return Volatile.Read(ref _blocked).Contains(tokenId);
    }

    private void RefreshIfDue()
    {
        var now = _timeProvider.GetTimestamp();
        if (now < Volatile.Read(ref _nextRefreshTimestamp) || Interlocked.Exchange(ref _refreshing, 1) == 1)
        {
            return;
        }

        try
        {
            Volatile.Write(ref _blocked, _store.ReadBlockedIds());
        }
        catch (SqliteException ex)
        {
            // A locked or unreadable database keeps the last known set; the next interval retries.
            LogRefreshFailed(_logger, ex.Message);
        }
        finally
        {
            var interval = (long)(RefreshInterval.TotalSeconds * _timeProvider.TimestampFrequency);
            Volatile.Write(ref _nextRefreshTimestamp, now + interval);
            Volatile.Write(ref _refreshing, 0);
        }
    }

    [LoggerMessage(EventId = 4201, Level = LogLevel.Warning, Message = "Could not re-read the blocked bulk registration tokens, keeping the previous list: {Problem}")]
    private static partial void LogRefreshFailed(ILogger logger, string problem);
}
