using CmgSim.Core.Errors;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.JsonWebTokens;

namespace CmgSim.ManagementPoint.SecurityTokenService;

/// <summary>How the MP refuses a token: 401 with the CMG's <c>CMGService_Invalid_Token</c> code, which the client reads the same whichever hop refused it.</summary>
internal static class TokenRejection
{
    public static async Task WriteAsync(HttpContext context, string detail) =>
        await CmgErrorResponse.TryWriteAsync(context, CmgError.InvalidToken, detail);

    /// <summary>True when the (unvalidated) bearer token says <c>"Type":"BulkRegistration"</c>; only picks the log line's words.</summary>
    public static bool LooksLikeBulkToken(string? authorization)
    {
        var token = authorization?.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries) is [_, var value] ? value : null;
        if (token is null || !new JsonWebTokenHandler().CanReadToken(token))
        {
            return false;
        }

        try
        {
            return new JsonWebToken(token).TryGetPayloadValue<string>("Type", out var type) && type == "BulkRegistration";
        }
        catch (ArgumentException)
        {
            // A header or payload that is not base64url JSON: not a bulk token.
            return false;
        }
    }
}
