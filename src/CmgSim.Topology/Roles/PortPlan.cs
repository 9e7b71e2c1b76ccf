namespace CmgSim.Topology.Roles;

/// <summary>
/// The fixed ports of a topology whose roles run as separate processes (<c>cmgsim run &lt;role&gt;</c>), so each
/// process knows where it listens without asking the others. Every default can be overridden per process.
/// </summary>
public static class PortPlan
{
    /// <summary>The CMG's public HTTPS port, shared by every VM instance (SO_REUSEPORT).</summary>
    public const int Public = 8443;

    /// <summary>The local Microsoft Entra tenant (HTTPS).</summary>
    public const int Entra = 8444;

    /// <summary>VM instance 1's own client port; instance n uses 8445 + n − 1 (8445–8460).</summary>
    public const int InstanceBase = 8445;

    /// <summary>The management point (HTTPS).</summary>
    public const int ManagementPoint = 8531;

    /// <summary>The software update point (HTTPS).</summary>
    public const int SoftwareUpdatePoint = 8532;

    /// <summary>Connection point 1's health port (HTTP); connection point n uses 8560 + n − 1.</summary>
    public const int ConnectionPointHealthBase = 8560;

    /// <summary>VM instance 1's channel port; instance n uses 10124 + n − 1 (the product's 10124–10139).</summary>
    public const int ChannelBase = 10124;

    /// <summary>VM instances of one cloud service: 1 to 16.</summary>
    public const int MaxInstances = 16;

    public static int InstancePort(int instanceNumber) => InstanceBase + CheckInstance(instanceNumber) - 1;

    public static int ChannelPort(int instanceNumber) => ChannelBase + CheckInstance(instanceNumber) - 1;

    public static int ConnectionPointHealthPort(int number)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(number, 1);
        return ConnectionPointHealthBase + number - 1;
    }

    private static int CheckInstance(int instanceNumber)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(instanceNumber, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(instanceNumber, MaxInstances);
        return instanceNumber;
    }
}
