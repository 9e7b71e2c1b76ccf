using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace CmgSim.LoadTests;

/// <summary>Parsing of the CLI's own value formats, kept apart from System.CommandLine so it can be tested alone.</summary>
internal static class ArgumentParsers
{
    /// <summary>Durations as <c>500ms</c>, <c>10s</c>, <c>2m</c>, <c>1h</c>, bare seconds, or <c>hh:mm:ss</c>.</summary>
    public static bool TryParseDuration(string text, out TimeSpan duration)
    {
        text = text.Trim();
        (string Suffix, double Scale)[] units = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)];
        foreach (var (suffix, scale) in units)
        {
            if (text.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)
                && double.TryParse(text.AsSpan(0, text.Length - suffix.Length), NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
                && value >= 0)
            {
                duration = TimeSpan.FromSeconds(value * scale);
                return true;
            }
        }

        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0)
        {
            duration = TimeSpan.FromSeconds(seconds);
            return true;
        }

        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out duration) && duration >= TimeSpan.Zero;
    }

    /// <summary><c>name=URL</c>, or a bare URL named after its host and port.</summary>
    public static bool TryParseTarget(string text, [NotNullWhen(true)] out LoadTarget? target, [NotNullWhen(false)] out string? error)
    {
        var equals = text.IndexOf('=', StringComparison.Ordinal);
        var schemeAt = text.IndexOf("://", StringComparison.Ordinal);
        var named = equals > 0 && (schemeAt < 0 || equals < schemeAt);
        var urlText = named ? text[(equals + 1)..] : text;
        if (!Uri.TryCreate(urlText, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            target = null;
            error = $"--target '{text}' is not name=URL with an http or https URL.";
            return false;
        }

        target = new LoadTarget(named ? text[..equals] : $"{url.Host}:{url.Port}", url);
        error = null;
        return true;
    }
}
