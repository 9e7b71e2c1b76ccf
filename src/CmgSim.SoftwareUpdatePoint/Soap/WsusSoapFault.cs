using System.Xml.Linq;

namespace CmgSim.SoftwareUpdatePoint.Soap;

/// <summary>
/// The [MS-WUSP] 2.2.2.4 fault, as ASMX serialises a SoapException with a detail node (the same
/// fields WUA logs as "ErrorCode:… Message:… Method:… ID:…"):
/// <code>
/// &lt;soap:Fault&gt;
///   &lt;faultcode&gt;soap:Client&lt;/faultcode&gt;          soap:Server for InternalServerError [I]
///   &lt;faultstring&gt;Fault occurred&lt;/faultstring&gt;
///   &lt;faultactor&gt;https://sup/ClientWebService/client.asmx&lt;/faultactor&gt;
///   &lt;detail&gt;
///     &lt;ErrorCode&gt;InvalidCookie&lt;/ErrorCode&gt;        one of <see cref="WsusErrorCode"/>
///     &lt;Message&gt;why, naming the parameter&lt;/Message&gt;
///     &lt;ID&gt;a GUID per fault, for log correlation&lt;/ID&gt;
///     &lt;Method&gt;"http://www.microsoft.com/SoftwareDistribution/Server/ClientWebService/SyncUpdates"&lt;/Method&gt;
///   &lt;/detail&gt;
/// &lt;/soap:Fault&gt;
/// </code>
/// The detail children are unqualified [I]; Method is the quoted SOAPAction, as WUA prints it.
/// Sent with HTTP 500 (SOAP 1.1 over HTTP).
/// </summary>
internal static class WsusSoapFault
{
    public const string FaultString = "Fault occurred";

    public static XElement Create(WsusErrorCode code, string message, string action, string actor, Guid id)
    {
        var faultCode = code == WsusErrorCode.InternalServerError ? "soap:Server" : "soap:Client";
        return new XElement(
            WsusNamespaces.SoapEnvelope + "Fault",
            new XElement("faultcode", faultCode),
            new XElement("faultstring", FaultString),
            new XElement("faultactor", actor),
            new XElement(
                "detail",
                new XElement("ErrorCode", code.ToString()),
                new XElement("Message", message),
                new XElement("ID", id.ToString()),
                new XElement("Method", $"\"{action}\"")));
    }
}
