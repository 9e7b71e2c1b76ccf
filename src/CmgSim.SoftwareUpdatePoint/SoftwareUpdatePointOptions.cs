namespace CmgSim.SoftwareUpdatePoint;

/// <summary>Settings of the simulated WSUS/SUP client web services ([MS-WUSP], client-protocols §6).</summary>
public sealed class SoftwareUpdatePointOptions
{
    /// <summary><c>GetConfigResult/LastChange</c>; null means "when the SUP started".</summary>
    public DateTimeOffset? LastChange { get; set; }

    public bool IsRegistrationRequired { get; set; } = true;

    /// <summary>The authorization plug-in advertised in <c>AuthInfo</c> (the spec example's value).</summary>
    public string PlugInId { get; set; } = "SimpleTargeting";

    /// <summary>Relative to the SUP URL, as in the spec example.</summary>
    public string AuthServiceUrl { get; set; } = "SimpleAuthWebService/SimpleAuth.asmx";

    /// <summary><c>ConfigurationProperty</c> name/value pairs of <c>GetConfigResult/Properties</c>.</summary>
    public IDictionary<string, string> Properties { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["MaxExtendedUpdatesPerRequest"] = "50",
        ["IsInventoryRequired"] = "0",
        ["ClientReportingLevel"] = "2",
    };
}
