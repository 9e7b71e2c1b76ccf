namespace CmgSim.Identity.SiteTokens;

/// <summary>What the site keeps of a bulk registration token: its GUID, validity and block state, never the JWT.</summary>
public sealed record BulkRegistrationTokenRecord(
    Guid TokenId, DateTimeOffset ValidFrom, DateTimeOffset ValidTo, bool Blocked, DateTimeOffset? BlockedAt, DateTimeOffset CreatedAt)
{
    /// <summary>The console's view: a blocked token shows as Blocked even once expired.</summary>
    public BulkRegistrationTokenStatus StatusAt(DateTimeOffset now) =>
        Blocked ? BulkRegistrationTokenStatus.Blocked
        : now >= ValidTo ? BulkRegistrationTokenStatus.Expired
        : BulkRegistrationTokenStatus.Active;
}

public enum BulkRegistrationTokenStatus
{
    Active,
    Expired,
    Blocked,
}
