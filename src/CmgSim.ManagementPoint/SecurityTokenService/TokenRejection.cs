using System.Buffers.Text;
using System.Text;
using CmgSim.Core.Errors;
using Microsoft.AspNetCore.Http;

namespace CmgSim.ManagementPoint.SecurityTokenService;

/// <summary>How the MP refuses a token: 401 with the CMG's <c>CMGService_Invalid_Token</c> code, which the client reads the same whichever hop refused it.</summary>
internal static class TokenRejection
{
    public static async Task WriteAsync(HttpContext context, string detail) =>
        await CmgErrorResponse.TryWriteAsync(context, CmgError.InvalidToken, detail);

    /// <summary>True when the (unvalidated) bearer payload says <c>"Type":"BulkRegistration"</c>; only picks the log line's words.</summary>
    public static bool LooksLikeBulkToken(string? authorization)
    {
        if (string.IsNullOrEmpty(authorization))
        {
            return false;
        }

        var parts = authorization.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries);
        var segments = parts[^1].Split('.');
        if (segments.Length < 2)
        {
            return false;
        }

        try
        {
            var payload = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(segments[1]));
            return payload.Contains("\"BulkRegistration\"", StringComparison.Ordinal);
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
