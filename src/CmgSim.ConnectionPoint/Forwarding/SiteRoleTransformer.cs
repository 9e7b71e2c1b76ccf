using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Forwarder;

namespace CmgSim.ConnectionPoint.Forwarding;

/// <summary>
/// Copies the request as is (verbs, CCM headers, body) but addresses it to the internal URL: the Host header
/// becomes the site role's, as when the connection point rewrites <c>https://&lt;svc&gt;/CCM_Proxy_*/&lt;id&gt;/…</c>
/// to <c>https://&lt;MP&gt;/…</c>. YARP's default transformer copies an HTTP/1.1 Host header (it only drops
/// HTTP/2's :authority), so without this the MP's Host would depend on the protocol of the channel hop.
/// </summary>
internal sealed class SiteRoleTransformer : HttpTransformer
{
    /// <summary>The standard header for "a proxy stripped this path prefix".</summary>
    public const string ForwardedPrefixHeader = "X-Forwarded-Prefix";

    public static SiteRoleTransformer Instance { get; } = new();

    public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);

        // Null lets HttpClient derive Host from the request URI, i.e. the internal URL's authority.
        proxyRequest.Headers.Host = null;

        // The prefix the rewrite stripped (/CCM_Proxy_MutualAuth/<id>): how the MP knows a request came
        // through the CMG, e.g. to hand out the CMG-based SUP URL in a WSUS location reply. [DERIVED]
        if (httpContext.Request.PathBase.HasValue)
        {
            proxyRequest.Headers.TryAddWithoutValidation(ForwardedPrefixHeader, httpContext.Request.PathBase.Value);
        }
    }
}
