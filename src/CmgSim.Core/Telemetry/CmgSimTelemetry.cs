namespace CmgSim.Core.Telemetry;

/// <summary>Names of the activity sources, meters and instruments CmgSim emits. All start with <c>CmgSim.</c>.</summary>
public static class CmgSimTelemetry
{
    public const string CloudServiceSource = "CmgSim.CloudService";
    public const string TunnelSource = "CmgSim.Tunnel";
    public const string ConnectionPointSource = "CmgSim.ConnectionPoint";
    public const string ManagementPointSource = "CmgSim.ManagementPoint";
    public const string SoftwareUpdatePointSource = "CmgSim.SoftwareUpdatePoint";
    public const string ClientSource = "CmgSim.Client";

    /// <summary>Wildcard that matches every CmgSim source and meter.</summary>
    public const string AllSources = "CmgSim.*";

    public const string TunnelsOpenInstrument = "cmgsim.tunnel.open";
    public const string TunnelReconnectsInstrument = "cmgsim.tunnel.reconnects";
    public const string CloudRequestsInstrument = "cmgsim.cloud_service.requests";
    public const string CloudRejectionsInstrument = "cmgsim.cloud_service.rejections";

    public const string VmInstanceTag = "cmgsim.vm_instance";
    public const string ConnectionPointTag = "cmgsim.connection_point";
    public const string EndpointIdTag = "cmgsim.endpoint_id";
    public const string ErrorCodeTag = "cmgsim.error_code";

    /// <summary>The kind of bearer token a ServerAuth request was admitted with (EntraDevice, CcmToken, …).</summary>
    public const string TokenKindTag = "cmgsim.token_kind";
}
