using System.Text.RegularExpressions;
using CmgSim.Client;
using CmgSim.Core.Logging;

namespace CmgSim.FunctionalTests;

public sealed partial class CmTraceLogTests
{
    [Fact]
    public async Task ClientRun_WithCmTraceLogging_WritesTheProductsLogFiles()
    {
        await using var running = await TestLab.StartWithLogsAsync(configureLogging: static (logging, layout) => logging.AddCmTrace(o => o.Directory = layout.LogsDirectory));
        var logsDirectory = running.Lab.Layout.LogsDirectory;
        {
            using var session = TopologyClientFactory.Create(running.Lab.Document, 0, TimeProvider.System);
            var steps = await session.RunAsync(CancellationToken.None);
            Assert.All(steps, step => Assert.True(step.Succeeded, $"{step.Step}: {step.Status} {step.Detail}"));

            var proxyConnector = Path.Combine(logsDirectory, "SMS_Cloud_ProxyConnector.log");
            string? line = null;
            await TestLab.EventuallyAsync(
                () =>
                {
                    line = ReadShared(proxyConnector)?.Split("\r\n").FirstOrDefault(l => l.Contains("EndpointName: SMS_MP", StringComparison.Ordinal));
                    return Task.FromResult(line is not null);
                },
                TimeSpan.FromSeconds(10),
                $"{proxyConnector} has a message line for SMS_MP");

            Assert.Matches(MessageLine(), line);
            Assert.True(File.Exists(Path.Combine(logsDirectory, "CMGService.log")), "CMGService.log was not written");
        }
    }

    private static string? ReadShared(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>One CMTrace record holding the product's per-message line.</summary>
    [GeneratedRegex("""^<!\[LOG\[MessageID: [0-9a-f-]{36} RequestURI: https://\S+/SMS_MP/\.sms_aut\?MPLIST EndpointName: SMS_MP ResponseHeader: HTTP/1\.1 200 OK ~~ ResponseBodySize: \d+ ElapsedTime: \d+ ms\]LOG\]!><time="\d\d:\d\d:\d\d\.\d{3}\+000" date="\d\d-\d\d-\d{4}" component="SMS_CLOUD_PROXYCONNECTOR" context="" type="1" thread="\d+" file="">$""")]
    private static partial Regex MessageLine();
}
