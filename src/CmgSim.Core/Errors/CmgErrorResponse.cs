using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace CmgSim.Core.Errors;

/// <summary>Writes a CMG error the way the product does: status, error code as the reason phrase, and a short body.</summary>
public static class CmgErrorResponse
{
    /// <summary>
    /// Writes <paramref name="error"/> unless the response has already started.
    /// </summary>
    /// <returns><see langword="false"/> when the response had already started and nothing was written.</returns>
    public static async ValueTask<bool> TryWriteAsync(HttpContext context, CmgError error, string detail)
    {
        ArgumentNullException.ThrowIfNull(context);
        var response = context.Response;
        if (response.HasStarted)
        {
            return false;
        }

        var code = error.Code();
        response.Clear();
        response.StatusCode = error.StatusCode();
        var responseFeature = context.Features.Get<IHttpResponseFeature>();
        if (responseFeature is not null)
        {
            responseFeature.ReasonPhrase = code;
        }

        response.Headers[CmgErrorInfo.ErrorCodeHeader] = code;
        if (error == CmgError.InvalidToken)
        {
            // RFC 6750: a refused bearer token is answered with its challenge.
            response.Headers.WWWAuthenticate = "Bearer error=\"invalid_token\"";
        }

        response.ContentType = "text/plain; charset=utf-8";
        var body = Encoding.UTF8.GetBytes($"{code}: {detail}\r\n");
        response.ContentLength = body.Length;
        await response.Body.WriteAsync(body, context.RequestAborted);
        return true;
    }
}
