namespace CmgSim.Core.Logging;

/// <summary>The product's log file names (cmg-facts §8.1) for the simulator's logger categories.</summary>
public static class CmTraceDefaults
{
    public const string CloudServiceCategory = "CmgSim.CloudService";
    public const string ConnectionPointCategory = "CmgSim.ConnectionPoint";
    public const string TunnelConnectionPointCategory = "CmgSim.Tunnel.ConnectionPoint";
    public const string TunnelCloudSideCategory = "CmgSim.Tunnel.CloudSide";
    public const string ManagementPointCategory = "CmgSim.ManagementPoint";
    public const string LocationCategory = "CmgSim.ManagementPoint.Location";
    public const string GetAuthCategory = "CmgSim.ManagementPoint.GetAuth";
    public const string MessagingCategory = "CmgSim.ManagementPoint.Messaging";
    public const string StsCategory = "CmgSim.ManagementPoint.Sts";
    public const string RegistrationCategory = "CmgSim.ManagementPoint.Registration";
    public const string SoftwareUpdatePointCategory = "CmgSim.SoftwareUpdatePoint";

    /// <summary>A fresh copy of the default routing, so callers may change it.</summary>
    /// <remarks>
    /// The tunnel's cloud end runs inside the CMG service, so it shares CMGService.log; its connection-point end
    /// (<c>CmgSim.Tunnel.ConnectionPointSide</c>) writes SMS_Cloud_ProxyConnector.log. MP categories follow
    /// <c>ManagementPointLogCategories</c>; the GetAuth, Sts and Registration ones are reserved for handlers that
    /// want the product's MP_GetAuth.log, CCM_STS.log and MP_RegistrationManager.log.
    /// The SUP has no CMTrace log in the product: the WSUS web service writes its own
    /// <c>SoftwareDistribution.log</c> format. <c>SUP_WebService.log</c> is a simulator-only name, chosen so nobody
    /// mistakes it for a WSUS log.
    /// </remarks>
    public static CmTraceFileRule[] Rules =>
    [
        new(CloudServiceCategory, "CMGService.log", "CMGService"),
        new(ConnectionPointCategory, "SMS_Cloud_ProxyConnector.log", "SMS_CLOUD_PROXYCONNECTOR"),
        new(TunnelConnectionPointCategory, "SMS_Cloud_ProxyConnector.log", "SMS_CLOUD_PROXYCONNECTOR"),
        new(TunnelCloudSideCategory, "CMGService.log", "CMGService"),
        new(ManagementPointCategory, "MP_Framework.log", "MP_Framework"),
        new(LocationCategory, "MP_Location.log", "MP_LocationManager"),
        new(GetAuthCategory, "MP_GetAuth.log", "MP_GetAuth"),
        new(MessagingCategory, "CcmIsapi.log", "CcmIsapi"),
        new(StsCategory, "CCM_STS.log", "CCM_STS"),
        new(RegistrationCategory, "MP_RegistrationManager.log", "MP_RegistrationManager"),
        new(SoftwareUpdatePointCategory, "SUP_WebService.log", "SUP_WebService"),
    ];
}
