namespace CmgSim.Client;

/// <summary>Who the simulated client says it is in its messages.</summary>
public sealed class ClientFlowOptions
{
    /// <summary>The site code the client asks about in <c>SiteInformationRequest</c>.</summary>
    public string SiteCode { get; set; } = "PS1";

    /// <summary>NetBIOS name used as <c>SourceHost</c> and in <c>ReplyTo</c>.</summary>
    public string ClientHostName { get; set; } = "CLIENT01";

    /// <summary>Where CCM_POST requests go: <c>/ccm_system/request</c>, or <c>/ccm_system_tokenauth/request</c> for a token client.</summary>
    public string CcmRequestPath { get; set; } = ClientSession.CcmSystemPath;

    /// <summary>Per-step request timeout.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
