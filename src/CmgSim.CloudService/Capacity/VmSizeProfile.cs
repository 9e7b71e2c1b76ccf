using System.Diagnostics.CodeAnalysis;

namespace CmgSim.CloudService.Capacity;

/// <summary>A CMG VM size as capacity sees it: the simultaneous client connections one VM instance supports.</summary>
/// <param name="Name">The name CmgSim knows it by (<c>--vm-size</c>, <c>topology.json</c> <c>vmSize</c>).</param>
/// <param name="AzureSize">The Azure VM SKU the product deploys.</param>
/// <param name="SupportedConnections">Simultaneous client connections per VM instance (cmg-facts §4.1).</param>
public sealed record VmSizeProfile(string Name, string AzureSize, int SupportedConnections, string Description);

/// <summary>The CMG VM sizes of the product (cmg-facts §4.1, from perf-scale.md and size-and-scale-numbers.md).</summary>
public static class VmSizeProfiles
{
    /// <summary>The default: Standard_A2_v2, as the CMG wizard proposes it.</summary>
    public const string DefaultName = "standard";

    /// <summary>VMSS 2107+, Lab (B2s): for labs and proofs of concept only.</summary>
    public static VmSizeProfile Lab { get; } = new("lab", "Standard_B2s", 10, "VMSS 2107+, Lab size: lab and proof-of-concept use only");

    /// <summary>VMSS 2107+, Standard (A2_v2), the wizard's default.</summary>
    public static VmSizeProfile Standard { get; } = new("standard", "Standard_A2_v2", 6000, "VMSS 2107+, Standard size (the default)");

    /// <summary>VMSS 2107+, Large (A4_v2).</summary>
    public static VmSizeProfile Large { get; } = new("large", "Standard_A4_v2", 10000, "VMSS 2107+, Large size");

    /// <summary>VMSS on 2010 and 2103 (CSP subscriptions): A2_v2, size not configurable.</summary>
    public static VmSizeProfile Vmss2103 { get; } = new("vmss-2103", "Standard_A2_v2", 2000, "VMSS on versions 2010 and 2103 (CSP subscriptions); size not configurable");

    /// <summary>Cloud service (classic), 2111 and earlier (removed in 2203): A2_v2, size not configurable.</summary>
    public static VmSizeProfile Classic { get; } = new("classic", "Standard_A2_v2", 6000, "Cloud service (classic), 2111 and earlier; size not configurable");

    public static IReadOnlyList<VmSizeProfile> All { get; } = [Lab, Standard, Large, Vmss2103, Classic];

    /// <summary>The profile names, comma-separated, for error messages and help.</summary>
    public static string Names { get; } = string.Join(", ", All.Select(static p => p.Name));

    /// <summary>Finds a profile by name, case-insensitively.</summary>
    public static bool TryGet(string? name, [NotNullWhen(true)] out VmSizeProfile? profile)
    {
        profile = All.FirstOrDefault(p => string.Equals(p.Name, name?.Trim(), StringComparison.OrdinalIgnoreCase));
        return profile is not null;
    }
}
