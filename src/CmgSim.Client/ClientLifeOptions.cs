namespace CmgSim.Client;

/// <summary>Who the simulated client is and how often its agents run.</summary>
public sealed class ClientLifeOptions
{
    /// <summary>Machine policy polling interval on the client's (simulated) clock; the product default is 60 minutes.</summary>
    public TimeSpan PolicyPollingInterval { get; set; } = TimeSpan.FromMinutes(60);

    /// <summary>Hardware inventory cycle on the simulated clock; the product default is 7 days.</summary>
    public TimeSpan HardwareInventoryInterval { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Simulated time per real time: 3600 makes an hour pass in a second. 1 is real time.</summary>
    public double TimeCompression { get; set; } = 1;

    public string Domain { get; set; } = "contoso.com";

    public string OSCaption { get; set; } = "Microsoft Windows 11 Enterprise";

    public string OSVersion { get; set; } = "10.0.22631";

    /// <summary>Reported in inventory and, via <see cref="WsusScanFlowOptions.OSBuildNumber"/>, drives SUP applicability.</summary>
    public int OSBuildNumber { get; set; } = 22631;

    /// <summary>How long a single request (inventory, state message) may take.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    public NotificationChannelOptions Notification { get; set; } = new();
}
