using CmgSim.Core.Topology;

namespace CmgSim.Core;

/// <summary>The internal paths a CMG publishes for each kind of site role (its URL mappings).</summary>
public static class SiteRolePaths
{
    /// <summary>A management point's applications (client-protocols §1, the IIS application layout).</summary>
    public static IReadOnlyList<string> ManagementPoint { get; } =
    [
        "/SMS_MP", "/SMS_MP_TokenAuth", "/SMS_MP_AltAuth", "/CCM_System", "/CCM_System_TokenAuth", "/CCM_System_AltAuth",
        "/CCM_System_WindowsAuth", "/CCM_STS", "/CCM_Client", "/CCM_Incoming", "/BGB", "/CMUserService", "/AdminService",
    ];

    /// <summary>A software update point's WSUS client web services ([MS-WUSP]).</summary>
    public static IReadOnlyList<string> SoftwareUpdatePoint { get; } =
    [
        "/ClientWebService", "/SimpleAuthWebService", "/ReportingWebService", "/Content", "/selfupdate",
    ];

    public static IReadOnlyList<string> For(SiteRoleKind kind) => kind switch
    {
        SiteRoleKind.ManagementPoint => ManagementPoint,
        SiteRoleKind.SoftwareUpdatePoint => SoftwareUpdatePoint,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>True when <paramref name="path"/> starts with one of <paramref name="prefixes"/> on a segment boundary.</summary>
    public static bool IsPublished(IReadOnlyList<string> prefixes, string path)
    {
        ArgumentNullException.ThrowIfNull(prefixes);
        ArgumentNullException.ThrowIfNull(path);
        foreach (var prefix in prefixes)
        {
            if (path.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)
                && (path.Length == prefix.Length || path[prefix.Length] is '/' or '?' or '.'))
            {
                return true;
            }
        }

        return false;
    }
}
