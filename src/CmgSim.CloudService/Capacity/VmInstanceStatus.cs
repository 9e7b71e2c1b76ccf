namespace CmgSim.CloudService.Capacity;

/// <summary>The capacity state of one VM instance, as <c>GET /cmgsim/vm-status</c> on its instance URL returns it (camelCase JSON).</summary>
/// <param name="Instance">The instance name, <c>ProxyService_IN_n</c>.</param>
/// <param name="Profile">The VM size profile name (<see cref="VmSizeProfiles"/>).</param>
/// <param name="SupportedConnections">Client connections the profile supports.</param>
/// <param name="ActiveConnections">Client TCP connections open now on the public and instance listeners.</param>
/// <param name="PeakConnections">Most client connections open at once since start.</param>
/// <param name="Requests">Client requests received since start.</param>
/// <param name="AddedDelayMs">The delay a client request gets now, in ms (0 within capacity or in refuse mode).</param>
/// <param name="Overloaded">More client connections are open than the profile supports.</param>
/// <param name="AzureSize">The Azure VM SKU of the profile.</param>
/// <param name="OverloadMode">What happens past the limit: Delay or Refuse.</param>
public sealed record VmInstanceStatus(
    string Instance,
    string Profile,
    int SupportedConnections,
    int ActiveConnections,
    int PeakConnections,
    long Requests,
    long AddedDelayMs,
    bool Overloaded,
    string AzureSize,
    OverloadMode OverloadMode);
