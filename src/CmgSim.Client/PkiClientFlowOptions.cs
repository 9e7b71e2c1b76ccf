namespace CmgSim.Client;

/// <summary>Who the simulated client says it is in its messages.</summary>
public sealed class PkiClientFlowOptions
{
    /// <summary>The site code the client asks about in <c>SiteInformationRequest</c>.</summary>
    public string SiteCode { get; set; } = "PS1";

    /// <summary>NetBIOS name used as <c>SourceHost</c> and in <c>ReplyTo</c>.</summary>
    public string ClientHostName { get; set; } = "CLIENT01";

    /// <summary>Per-step request timeout.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
