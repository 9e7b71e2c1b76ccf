namespace CmgSim.Core.Logging.IisAccessLog;

/// <summary>Where a site role writes its IIS-style W3C access log, and which request headers it records.</summary>
public sealed class IisAccessLogOptions
{
    /// <summary>The log folder (IIS's <c>W3SVC1</c>). Required.</summary>
    public string Directory { get; set; } = string.Empty;

    /// <summary>Request headers recorded as <c>cs(Name)</c> fields, in this order.</summary>
    public IList<string> RequestHeaders { get; } = new List<string>();

    /// <summary>Records waiting for the writer before a request waits. Default 65,536.</summary>
    public int QueueCapacity { get; set; } = 65_536;
}
