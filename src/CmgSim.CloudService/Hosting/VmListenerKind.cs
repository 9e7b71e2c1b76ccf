namespace CmgSim.CloudService.Hosting;

/// <summary>Which of a VM instance's listeners a connection arrived on.</summary>
public enum VmListenerKind
{
    /// <summary>The public port shared by every VM instance (the load balancer's front end).</summary>
    Public,

    /// <summary>This instance's own client port, to reach one instance directly.</summary>
    Instance,

    /// <summary>The channel port connection points dial.</summary>
    Channel,
}

/// <summary>Set on each connection by the listener it arrived on.</summary>
internal sealed class VmListenerFeature(VmListenerKind kind)
{
    public VmListenerKind Kind { get; } = kind;
}
