using CmgSim.Core.Logging;

namespace CmgSim.Topology.Roles;

/// <summary>
/// CMTrace file names for a role process. Processes share <c>DIR/logs</c>, and the writer keeps its own file
/// position (no O_APPEND), so two processes must never write the same file: the roles that run several times
/// (VM instances, connection points) put their name in front of the product's file name; the MP, the SUP and the
/// Entra tenant, of which a lab runs one each, keep the product's names.
/// </summary>
public static class RoleLogFiles
{
    /// <summary>
    /// VM instance <paramref name="instanceNumber"/>: <c>CMG-&lt;service name&gt;-ProxyService_IN_&lt;n − 1&gt;-CMGService.log</c>,
    /// the name the site gives a VM instance's CMGService.log when it syncs the CMG's logs down (cmg-facts §8.1).
    /// </summary>
    public static IReadOnlyList<CmTraceFileRule> ForVmInstance(string serviceName, int instanceNumber)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(serviceName);
        return Prefixed($"CMG-{serviceName}-{VmInstanceRole.InstanceName(instanceNumber)}-");
    }

    /// <summary>Connection point <paramref name="number"/>: <c>CMGCP01-SMS_Cloud_ProxyConnector.log</c> (its server's short name first).</summary>
    public static IReadOnlyList<CmTraceFileRule> ForConnectionPoint(int number) =>
        Prefixed(ConnectionPointRole.NameFor(number).Split('.')[0] + "-");

    /// <summary>The product's names (<see cref="CmTraceDefaults.Rules"/>), for the roles a lab runs once.</summary>
    public static IReadOnlyList<CmTraceFileRule> Default() => CmTraceDefaults.Rules;

    private static CmTraceFileRule[] Prefixed(string prefix) =>
        CmTraceDefaults.Rules.Select(rule => rule with { FileName = prefix + rule.FileName }).ToArray();
}
