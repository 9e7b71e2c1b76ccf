using System.Xml.Linq;

namespace CmgSim.SoftwareUpdatePoint.Soap;

/// <summary>XML namespaces and SOAPAction values of [MS-WUSP] (client-protocols §6).</summary>
public static class WsusNamespaces
{
    public static readonly XNamespace SoapEnvelope = "http://schemas.xmlsoap.org/soap/envelope/";
    public static readonly XNamespace ClientWebService = "http://www.microsoft.com/SoftwareDistribution/Server/ClientWebService";
    public static readonly XNamespace SimpleAuthWebService = "http://www.microsoft.com/SoftwareDistribution/Server/SimpleAuthWebService";

    /// <summary>The reporting service uses the bare SoftwareDistribution namespace, unlike the other two.</summary>
    public static readonly XNamespace ReportingWebService = "http://www.microsoft.com/SoftwareDistribution";

    public const string GetConfigAction = "http://www.microsoft.com/SoftwareDistribution/Server/ClientWebService/GetConfig";
    public const string GetCookieAction = "http://www.microsoft.com/SoftwareDistribution/Server/ClientWebService/GetCookie";
    public const string RegisterComputerAction = "http://www.microsoft.com/SoftwareDistribution/Server/ClientWebService/RegisterComputer";
    public const string SyncUpdatesAction = "http://www.microsoft.com/SoftwareDistribution/Server/ClientWebService/SyncUpdates";
    public const string GetExtendedUpdateInfoAction = "http://www.microsoft.com/SoftwareDistribution/Server/ClientWebService/GetExtendedUpdateInfo";
    public const string GetAuthorizationCookieAction = "http://www.microsoft.com/SoftwareDistribution/Server/SimpleAuthWebService/GetAuthorizationCookie";
    public const string ReportEventBatchAction = "http://www.microsoft.com/SoftwareDistribution/ReportEventBatch";
}
