using System.Xml.Linq;
using Microsoft.AspNetCore.Http;

namespace CmgSim.ManagementPoint.LocationManager;

/// <summary>
/// Whether a location request came from the internet through the CMG. Two signals, either suffices:
/// <list type="bullet">
/// <item>the client's own statement in the body — <c>ClientLocationInfo OnInternet="1"</c> (WSUS) or
/// <c>UseInternetDP="1"</c> (content) — which is what the product's client sends once it decides it is
/// "Currently Internet" (cmg-facts §1.5) [V] for the attribute names;</item>
/// <item>the connection point's <see cref="LocationOptions.ForwardedPrefixHeader"/> naming a
/// <c>/CCM_Proxy_*</c> prefix, so a request that reached the MP through the CMG is treated as internet
/// even if the client's body says otherwise [I].</item>
/// </list>
/// </summary>
internal static class RequestOrigin
{
    public static bool IsThroughCmg(HttpContext? context)
    {
        if (context is null || !context.Request.Headers.TryGetValue(LocationOptions.ForwardedPrefixHeader, out var values))
        {
            return false;
        }

        foreach (var value in values)
        {
            if (value is not null
                && (value.StartsWith("/CCM_Proxy_MutualAuth/", StringComparison.OrdinalIgnoreCase)
                    || value.StartsWith("/CCM_Proxy_ServerAuth/", StringComparison.OrdinalIgnoreCase)))
            {
                return true;
            }
        }

        return false;
    }

    public static bool Flag(XElement? element, string attribute) => (string?)element?.Attribute(attribute) == "1";
}
