namespace CmgSim.Topology.Roles;

/// <summary>The role names of <c>cmgsim run &lt;role&gt;</c>, as registrations in the cluster folder carry them.</summary>
public static class ClusterRoles
{
    public const string Entra = "entra";
    public const string ManagementPoint = "mp";
    public const string SoftwareUpdatePoint = "sup";
    public const string VmInstance = "vm-instance";
    public const string ConnectionPoint = "connection-point";
    public const string Topology = "topology";
}
