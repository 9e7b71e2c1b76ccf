namespace CmgSim.Core;

/// <summary>The URL prefixes a CMG publishes, as clients see them.</summary>
public static class CmgPaths
{
    public const string MutualAuthPrefix = "/CCM_Proxy_MutualAuth";
    public const string ServerAuthPrefix = "/CCM_Proxy_ServerAuth";
    public const string MutualAuthServiceMetadata = MutualAuthPrefix + "/ServiceMetadata";
    public const string ServerAuthServiceMetadata = ServerAuthPrefix + "/ServiceMetadata";

    public static string MutualAuthPath(long endpointId) => $"{MutualAuthPrefix}/{endpointId}";

    public static string ServerAuthPath(long endpointId) => $"{ServerAuthPrefix}/{endpointId}";
}
