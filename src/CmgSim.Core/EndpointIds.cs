namespace CmgSim.Core;

/// <summary>
/// Endpoint ids of site roles published through the CMG. The product's ids are 2^56 plus a small
/// per-role number (for example 72057594037927939 = 2^56 + 3); the same id is used with both the
/// <c>CCM_Proxy_MutualAuth</c> and the <c>CCM_Proxy_ServerAuth</c> prefixes.
/// </summary>
public static class EndpointIds
{
    /// <summary>2^56, the base of the product's role id space.</summary>
    public const long Base = 1L << 56;

    /// <summary>The default endpoint id of the first management point.</summary>
    public const long DefaultManagementPoint = Base + 3;

    /// <summary>The default endpoint id of the first software update point.</summary>
    public const long DefaultSoftwareUpdatePoint = Base + 4;

    public static long ForRole(int roleNumber) => Base + roleNumber;
}
