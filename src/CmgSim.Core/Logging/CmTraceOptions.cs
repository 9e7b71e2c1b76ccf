using Microsoft.Extensions.Logging;

namespace CmgSim.Core.Logging;

/// <summary>Settings of the CMTrace file logger. Read once when the provider starts.</summary>
public sealed class CmTraceOptions
{
    /// <summary>Folder the log files go to; created when missing. Empty means the current directory.</summary>
    public string Directory { get; set; } = "";

    /// <summary>
    /// Category-to-file routing. The longest matching prefix wins; categories no rule matches are not written.
    /// Left empty, <see cref="CmTraceDefaults.Rules"/> applies.
    /// </summary>
    public IList<CmTraceFileRule> Files { get; } = new List<CmTraceFileRule>();

    /// <summary>Size at which a file rolls over to <c>&lt;name&gt;.lo_</c>, replacing the previous one, as the product does.</summary>
    public long MaxFileBytes { get; set; } = 5 * 1024 * 1024;

    public LogLevel MinimumLevel { get; set; } = LogLevel.Information;
}
