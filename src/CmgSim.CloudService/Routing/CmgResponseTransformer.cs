using CmgSim.Core.Errors;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Yarp.ReverseProxy.Forwarder;

namespace CmgSim.CloudService.Routing;

/// <summary>
/// Copies requests and responses untouched (custom verbs and CCM headers included) and puts a CMG
/// error code that came up the channel back into the reason phrase, which HTTP/2 inside the channel
/// cannot carry.
/// </summary>
internal sealed class CmgResponseTransformer : HttpTransformer
{
    public static CmgResponseTransformer Instance { get; } = new();

    public override async ValueTask<bool> TransformResponseAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
    {
        var copyBody = await base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken);
        if (proxyResponse is not null
            && proxyResponse.Headers.TryGetValues(CmgErrorInfo.ErrorCodeHeader, out var codes)
            && httpContext.Features.Get<IHttpResponseFeature>() is { } response)
        {
            response.ReasonPhrase = codes.FirstOrDefault();
        }

        return copyBody;
    }
}
