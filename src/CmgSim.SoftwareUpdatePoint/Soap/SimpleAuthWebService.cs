using System.Xml.Linq;
using CmgSim.SoftwareUpdatePoint.Cookies;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace CmgSim.SoftwareUpdatePoint.Soap;

/// <summary>SimpleAuth.asmx: GetAuthorizationCookie seals the client id and target group for GetCookie.</summary>
internal sealed class SimpleAuthWebService(WsusCookies cookies, IOptions<SoftwareUpdatePointOptions> options)
{
    private static readonly XNamespace Ns = WsusNamespaces.SimpleAuthWebService;

    public XElement GetAuthorizationCookie(XElement request, HttpContext context)
    {
        var clientId = SoapRead.RequiredText(request, Ns + "clientId");
        var targetGroup = request.Element(Ns + "targetGroupName")?.Value ?? string.Empty;
        return new XElement(
            Ns + "GetAuthorizationCookieResponse",
            new XElement(
                Ns + "GetAuthorizationCookieResult",
                new XElement(Ns + "PlugInId", options.Value.PlugInId),
                new XElement(Ns + "CookieData", cookies.IssueAuthorizationCookie(clientId, targetGroup))));
    }
}
