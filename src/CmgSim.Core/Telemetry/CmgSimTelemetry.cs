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

    /// <summary>Client TCP connections open on a VM instance's public and instance listeners (its capacity count).</summary>
    public const string CloudActiveConnectionsInstrument = "cmgsim.cloud_service.active_connections";

    /// <summary>Client connections a VM instance's size profile supports.</summary>
    public const string CloudSupportedConnectionsInstrument = "cmgsim.cloud_service.supported_connections";

    /// <summary>Delay an overloaded VM instance added to a client request, in ms.</summary>
    public const string CloudAddedDelayInstrument = "cmgsim.cloud_service.added_delay";

    /// <summary>Local ports a connection point holds toward the MP and SUP.</summary>
    public const string ConnectionPointPortsInUseInstrument = "cmgsim.connection_point.site_role_ports_in_use";

    /// <summary>Requests a connection point refused because its site-role port budget was used up.</summary>
    public const string ConnectionPointPortExhaustionsInstrument = "cmgsim.connection_point.port_exhaustions";

    public const string VmInstanceTag = "cmgsim.vm_instance";
    public const string ConnectionPointTag = "cmgsim.connection_point";
    public const string EndpointIdTag = "cmgsim.endpoint_id";
    public const string ErrorCodeTag = "cmgsim.error_code";

    /// <summary>The kind of bearer token a ServerAuth request was admitted with (EntraDevice, CcmToken, …).</summary>
    public const string TokenKindTag = "cmgsim.token_kind";
}
