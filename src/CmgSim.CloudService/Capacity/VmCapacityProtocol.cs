namespace CmgSim.CloudService.Capacity;

/// <summary>What a VM instance tells about its capacity on the wire, for load generators and scripts.</summary>
public static class VmCapacityProtocol
{
    /// <summary>
    /// On every response of a VM instance: its name (<c>ProxyService_IN_0</c>), so a client behind the shared
    /// public port learns which instance the kernel gave its connection to.
    /// </summary>
    public const string VmInstanceHeader = "X-CmgSim-VmInstance";

    /// <summary>On a response an overloaded instance delayed: the added delay in whole milliseconds.</summary>
    public const string AddedDelayHeader = "X-CmgSim-AddedDelay-Ms";

    /// <summary>The instance's client connections when the request arrived, so a load generator can plot latency over the count the delay was decided on.</summary>
    public const string ClientConnectionsHeader = "X-CmgSim-VmConnections";

    /// <summary>
    /// <c>GET</c> on the instance listener only (not the public port): a <see cref="VmInstanceStatus"/> as JSON.
    /// The connection that asks stops counting as a client connection.
    /// </summary>
    public const string StatusPath = "/cmgsim/vm-status";
}
