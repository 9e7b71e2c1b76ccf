using System.Text;
using CmgSim.Core.Logging;
using Microsoft.Extensions.Logging;

namespace CmgSim.Core.Tests.Logging;

public sealed class CmTraceFormatterTests
{
    private static readonly DateTimeOffset LocalTime = new(2024, 3, 5, 9, 8, 9, 123, TimeSpan.FromHours(2));

    [Fact]
    public void Format_writes_the_exact_cmtrace_record_in_utc()
    {
        var line = CmTraceFormatter.Format("Hello CMG", "CMGService", LogLevel.Information, LocalTime, 42);

        Assert.Equal(
            "<![LOG[Hello CMG]LOG]!><time=\"07:08:09.123+000\" date=\"03-05-2024\" component=\"CMGService\" context=\"\" type=\"1\" thread=\"42\" file=\"\">\r\n",
            line);
    }

    [Theory]
    [InlineData(LogLevel.Trace, 1)]
    [InlineData(LogLevel.Debug, 1)]
    [InlineData(LogLevel.Information, 1)]
    [InlineData(LogLevel.Warning, 2)]
    [InlineData(LogLevel.Error, 3)]
    [InlineData(LogLevel.Critical, 3)]
    public void Level_maps_to_cmtrace_type(LogLevel level, int type)
    {
        Assert.Equal(type, CmTraceFormatter.TypeOf(level));
        Assert.Contains($" type=\"{type}\" ", CmTraceFormatter.Format("m", "c", level, LocalTime, 1), StringComparison.Ordinal);
    }

    [Fact]
    public void Record_markers_inside_a_message_are_escaped()
    {
        var line = CmTraceFormatter.Format("a]LOG]!>b <![LOG[c", "c", LogLevel.Information, LocalTime, 1);

        Assert.StartsWith("<![LOG[a]LOG]!&gt;b &lt;![LOG[c]LOG]!><time=", line, StringComparison.Ordinal);
        Assert.Equal(1, CountOf(line, "]LOG]!>"));
        Assert.Equal(1, CountOf(line, "<![LOG["));
    }

    [Fact]
    public void Exception_text_follows_the_message_on_its_own_line_inside_the_record()
    {
        var builder = new StringBuilder();
        CmTraceFormatter.Append(builder, "failed", "System.Exception: boom\n   at X()", "c", LogLevel.Error, LocalTime, 7);

        Assert.Equal(
            "<![LOG[failed\r\nSystem.Exception: boom\r\n   at X()]LOG]!><time=\"07:08:09.123+000\" date=\"03-05-2024\" component=\"c\" context=\"\" type=\"3\" thread=\"7\" file=\"\">\r\n",
            builder.ToString());
    }

    private static int CountOf(string text, string value)
    {
        var count = 0;
        for (var i = text.IndexOf(value, StringComparison.Ordinal); i >= 0; i = text.IndexOf(value, i + 1, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
