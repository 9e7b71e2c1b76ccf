namespace CmgSim.SoftwareUpdatePoint;

/// <summary>Settings of the simulated WSUS/SUP client web services ([MS-WUSP], client-protocols §6).</summary>
public sealed class SoftwareUpdatePointOptions
{
    /// <summary><c>GetConfigResult/LastChange</c>; null means "when the SUP started".</summary>
    public DateTimeOffset? LastChange { get; set; }

    /// <summary>When false, SyncUpdates also serves unregistered clients (unfiltered by OS build).</summary>
    public bool IsRegistrationRequired { get; set; } = true;

    /// <summary>The authorization plug-in advertised in <c>AuthInfo</c> (the spec example's value).</summary>
    public string PlugInId { get; set; } = "SimpleTargeting";

    /// <summary>Relative to the SUP URL, as in the spec example.</summary>
    public string AuthServiceUrl { get; set; } = "SimpleAuthWebService/SimpleAuth.asmx";

    /// <summary>Lifetime of the GetAuthorizationCookie blob. [U] WSUS does not document its value.</summary>
    public TimeSpan AuthorizationCookieLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Lifetime of the server cookie (GetCookie, SyncUpdates NewCookie). [U]</summary>
    public TimeSpan CookieLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Seed of the generated update catalog: the same seed gives the same ids, titles and revisions.
    /// The default gives every known build more than one default page (20) of updates.
    /// </summary>
    public int CatalogSeed { get; set; } = 2026;

    /// <summary>How many distinct updates (UpdateIDs) the catalog holds; some have several revisions.</summary>
    public int CatalogSize { get; set; } = 50;

    /// <summary>Updates per SyncUpdates reply; more left means <c>Truncated=true</c>.</summary>
    public int SyncPageSize { get; set; } = 20;

    /// <summary>
    /// Leave updates superseded by another (applicable) update out of SyncUpdates, as ConfigMgr does
    /// once superseded updates expire. When false they are sent and the superseding update's
    /// Relationships list them.
    /// </summary>
    public bool ExcludeSupersededUpdates { get; set; } = true;

    /// <summary>Reporting events kept per computer (the count keeps growing past it).</summary>
    public int MaxStoredEventsPerComputer { get; set; } = 1000;

    /// <summary><c>ConfigurationProperty</c> name/value pairs of <c>GetConfigResult/Properties</c>.</summary>
    public IDictionary<string, string> Properties { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["MaxExtendedUpdatesPerRequest"] = "50",
        ["IsInventoryRequired"] = "0",
        ["ClientReportingLevel"] = "2",
    };
}
