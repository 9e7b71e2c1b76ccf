using System.Text;

namespace CmgSim.Identity.Tokens;

/// <summary>Text for rejection details: IdentityModel messages without their hidden-PII markers, attacker-chosen values cut short.</summary>
internal static class TokenText
{
    private const int MaxQuoted = 80;

    // The list of keys tried (IDX10503, IDX10511, IDX10517) is long and says nothing the kid does not; links neither.
    private static readonly string[] NoiseTails = [" Keys tried:", " See https://", " For more details, see"];

    /// <summary>
    /// The first line of an IdentityModel message, up to the keys it tried or where it would show hidden PII
    /// ("[PII of type … is hidden]"): e.g. "IDX10511: Signature validation failed." — never the token or key material.
    /// </summary>
    public static string Describe(Exception exception)
    {
        var message = exception.Message;
        var end = message.IndexOfAny(['\r', '\n']);
        if (end >= 0)
        {
            message = message[..end];
        }

        foreach (var tail in NoiseTails)
        {
            var at = message.IndexOf(tail, StringComparison.Ordinal);
            if (at >= 0)
            {
                message = message[..at];
            }
        }

        var pii = message.IndexOf("[PII", StringComparison.Ordinal);
        if (pii >= 0)
        {
            var sentenceEnd = message.LastIndexOf('.', pii);
            message = sentenceEnd > 0 ? message[..(sentenceEnd + 1)] : message[..pii].TrimEnd(' ', ':', '\'');
        }

        message = message.Trim();
        return message.EndsWith('.') ? message : message + ".";
    }

    /// <summary>A header or claim value from the token, cut short and stripped of control characters, for a log line.</summary>
    public static string Quote(string? value)
    {
        value ??= string.Empty;
        var builder = new StringBuilder(Math.Min(value.Length, MaxQuoted) + 1);
        foreach (var c in value.AsSpan(0, Math.Min(value.Length, MaxQuoted)))
        {
            builder.Append(char.IsControl(c) ? '?' : c);
        }

        return value.Length > MaxQuoted ? builder.Append('…').ToString() : builder.ToString();
    }
}
