namespace CmgSim.Identity.SiteTokens;

/// <summary>Bulk registration tokens an administrator blocked (Administration → Security → Certificates → Block).</summary>
public interface IBulkTokenBlockList
{
    bool IsBlocked(Guid tokenId);
}
