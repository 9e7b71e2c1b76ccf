namespace CmgSim.Client;

/// <summary>Who the simulated WUA is, as it tells the SUP in GetAuthorizationCookie and RegisterComputer.</summary>
public sealed class WsusScanFlowOptions
{
    /// <summary>WUA's SusClientId (a GUID string).</summary>
    public string ClientId { get; set; } = "6c0e5f3a-2b1d-4d8e-9a57-1f0c2e7b9d41";

    public string DnsName { get; set; } = "client01.contoso.com";

    public string TargetGroupName { get; set; } = string.Empty;

    public int OSMajorVersion { get; set; } = 10;

    public int OSMinorVersion { get; set; }

    /// <summary>Drives applicability on the simulated SUP (Windows 11 23H2 by default).</summary>
    public int OSBuildNumber { get; set; } = 22631;

    public string ProtocolVersion { get; set; } = "1.20";

    /// <summary>Revision ids the client reports as installed non-leaf updates in every SyncUpdates.</summary>
    public IReadOnlyCollection<int> InstalledNonLeafUpdateIds { get; set; } = [];

    /// <summary>A stop for a server that never clears Truncated.</summary>
    public int MaxSyncPages { get; set; } = 100;

    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
