using System.Xml.Linq;

namespace CmgSim.SoftwareUpdatePoint.Soap;

/// <summary>XML namespaces and SOAPAction values of [MS-WUSP].</summary>
public static class WsusNamespaces
{
    public static readonly XNamespace SoapEnvelope = "http://schemas.xmlsoap.org/soap/envelope/";
    public static readonly XNamespace ClientWebService = "http://www.microsoft.com/SoftwareDistribution/Server/ClientWebService";
    public static readonly XNamespace SimpleAuthWebService = "http://www.microsoft.com/SoftwareDistribution/Server/SimpleAuthWebService";

    public const string GetConfigAction = "http://www.microsoft.com/SoftwareDistribution/Server/ClientWebService/GetConfig";
    public const string GetAuthorizationCookieAction = "http://www.microsoft.com/SoftwareDistribution/Server/SimpleAuthWebService/GetAuthorizationCookie";
}
