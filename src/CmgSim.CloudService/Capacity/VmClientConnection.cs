namespace CmgSim.CloudService.Capacity;

/// <summary>Set on each client connection of a VM instance: it counts toward the instance's capacity until it closes.</summary>
internal sealed class VmClientConnection(VmCapacity capacity, bool admittedOverCapacity)
{
    private int _counted = 1;

    public VmCapacity Capacity { get; } = capacity;

    /// <summary>The connection opened while the instance already had as many client connections as it supports.</summary>
    public bool AdmittedOverCapacity { get; } = admittedOverCapacity;

    /// <summary>Stops counting this connection (it closed, or it turned out to be a monitoring connection); once.</summary>
    public void Release()
    {
        if (Interlocked.Exchange(ref _counted, 0) == 1)
        {
            Capacity.Closed();
        }
    }
}
