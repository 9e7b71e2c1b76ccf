using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;

namespace CmgSim.Core.Logging;

/// <summary>Builds CMTrace records, the format Configuration Manager's log viewer reads.</summary>
public static class CmTraceFormatter
{
    internal const string StartMarker = "<![LOG[";
    internal const string EndMarker = "]LOG]!>";

    // CMTrace ends a message at the first end marker and a new record at a line starting with the start marker,
    // so both are neutralised with an XML-style entity; the viewer shows the text, readers can still tell.
    private const string EscapedStartMarker = "&lt;![LOG[";
    private const string EscapedEndMarker = "]LOG]!&gt;";

    /// <summary>One whole record, ending in CRLF. <paramref name="time"/> is written in UTC with a +000 bias.</summary>
    public static string Format(string message, string component, LogLevel level, DateTimeOffset time, int threadId)
    {
        var builder = new StringBuilder(message.Length + 160);
        Append(builder, message, exceptionText: null, component, level, time, threadId);
        return builder.ToString();
    }

    /// <summary>CMTrace <c>type</c>: 1 information, 2 warning, 3 error.</summary>
    public static int TypeOf(LogLevel level) => level switch
    {
        LogLevel.Warning => 2,
        LogLevel.Error or LogLevel.Critical => 3,
        _ => 1,
    };

    /// <summary>Appends a record; exception text goes on the line after the message, inside the record.</summary>
    internal static void Append(
        StringBuilder builder,
        string message,
        string? exceptionText,
        string component,
        LogLevel level,
        DateTimeOffset time,
        int threadId)
    {
        var utc = time.UtcDateTime;
        builder.Append(StartMarker);
        AppendMessage(builder, message);
        if (!string.IsNullOrEmpty(exceptionText))
        {
            builder.Append("\r\n");
            AppendMessage(builder, exceptionText);
        }

        builder.Append(EndMarker)
            .Append(CultureInfo.InvariantCulture, $"<time=\"{utc:HH':'mm':'ss'.'fff}+000\" date=\"{utc:MM'-'dd'-'yyyy}\"")
            .Append(" component=\"").Append(component)
            .Append("\" context=\"\" type=\"").Append(TypeOf(level))
            .Append("\" thread=\"").Append(threadId)
            .Append("\" file=\"\">\r\n");
    }

    private static void AppendMessage(StringBuilder builder, string text)
    {
        // Viewers expect CRLF; exception text from Linux uses LF. Both calls return the input when nothing matches.
        builder.Append(text
            .ReplaceLineEndings("\r\n")
            .Replace(StartMarker, EscapedStartMarker, StringComparison.Ordinal)
            .Replace(EndMarker, EscapedEndMarker, StringComparison.Ordinal));
    }
}
