using System.Text.RegularExpressions;
using CmgSim.Core.Logging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace CmgSim.Core.Tests.Logging;

public sealed partial class CmTraceLoggerProviderTests : IDisposable
{
    private static readonly string Padding = new('x', 100);
    private static readonly DateTimeOffset Start = new(2025, 11, 30, 23, 59, 58, 5, TimeSpan.Zero);

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "cmtrace-tests-" + Guid.NewGuid().ToString("N"));
    private readonly FakeTimeProvider _time = new(Start);

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public void Registered_provider_writes_the_golden_record_and_flushes_on_dispose()
    {
        var services = new ServiceCollection()
            .AddSingleton<TimeProvider>(_time)
            .AddLogging(builder => builder.AddCmTrace(options => options.Directory = _directory));
        int threadId;
        using (var provider = services.BuildServiceProvider())
        {
            var logger = provider.GetRequiredService<ILoggerFactory>().CreateLogger("CmgSim.CloudService.ProxyService");
            LogStarted(logger, "ProxyService_IN_0");
            threadId = Environment.CurrentManagedThreadId;
        }

        Assert.Equal(
            $"<![LOG[Started ProxyService_IN_0]LOG]!><time=\"23:59:58.005+000\" date=\"11-30-2025\" component=\"CMGService\" context=\"\" type=\"1\" thread=\"{threadId}\" file=\"\">\r\n",
            ReadShared("CMGService.log"));
    }

    [Fact]
    public void Longest_prefix_wins_and_unmatched_categories_are_not_written()
    {
        using (var provider = CreateProvider(options =>
        {
            options.Files.Add(new CmTraceFileRule("CmgSim.ManagementPoint", "MP_Framework.log", "MP_Framework"));
            options.Files.Add(new CmTraceFileRule("CmgSim.ManagementPoint.Location", "MP_Location.log", "MP_LocationManager"));
        }))
        {
            provider.CreateLogger("CmgSim.ManagementPoint.Location.LocationRequestHandler").LogInformation("location");
            provider.CreateLogger("CmgSim.ManagementPoint.Location").LogInformation("location exact");
            provider.CreateLogger("CmgSim.ManagementPoint.Policy").LogInformation("framework");
            provider.CreateLogger("CmgSim.ManagementPoin").LogInformation("shorter than every prefix");
            provider.CreateLogger("Microsoft.AspNetCore.Hosting").LogInformation("unmatched");
        }

        Assert.Equal(["location", "location exact"], Messages(ReadShared("MP_Location.log")));
        Assert.All(Records(ReadShared("MP_Location.log")), r => Assert.Equal("MP_LocationManager", r.Groups["component"].Value));
        Assert.Equal(["framework"], Messages(ReadShared("MP_Framework.log")));
        Assert.Equal(["MP_Framework.log", "MP_Location.log"], Directory.GetFiles(_directory).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("CmgSim.CloudService.Proxy", "CMGService.log", "CMGService")]
    [InlineData("CmgSim.ConnectionPoint.Channel", "SMS_Cloud_ProxyConnector.log", "SMS_CLOUD_PROXYCONNECTOR")]
    [InlineData("CmgSim.Tunnel.ConnectionPointSide.ChannelConnectionListener", "SMS_Cloud_ProxyConnector.log", "SMS_CLOUD_PROXYCONNECTOR")]
    [InlineData("CmgSim.Tunnel.CloudSide.ChannelRegistry", "CMGService.log", "CMGService")]
    [InlineData("CmgSim.ManagementPoint.Location.Handler", "MP_Location.log", "MP_LocationManager")]
    [InlineData("CmgSim.ManagementPoint.GetAuth", "MP_GetAuth.log", "MP_GetAuth")]
    [InlineData("CmgSim.ManagementPoint.Messaging.CcmPost", "CcmIsapi.log", "CcmIsapi")]
    [InlineData("CmgSim.ManagementPoint.Sts", "CCM_STS.log", "CCM_STS")]
    [InlineData("CmgSim.ManagementPoint.Registration", "MP_RegistrationManager.log", "MP_RegistrationManager")]
    [InlineData("CmgSim.ManagementPoint.Policy", "MP_Framework.log", "MP_Framework")]
    [InlineData("CmgSim.SoftwareUpdatePoint.ClientWebService", "SUP_WebService.log", "SUP_WebService")]
    public void Default_rules_route_to_product_log_names(string category, string fileName, string component)
    {
        var rule = CmTraceLoggerProvider.Match(CmTraceDefaults.Rules, category);

        Assert.NotNull(rule);
        Assert.Equal(fileName, rule.FileName);
        Assert.Equal(component, rule.Component);
    }

    [Theory]
    [InlineData("CmgSim.Tunnel.TunnelProtocol")]
    [InlineData("CmgSim.Client")]
    [InlineData("Microsoft.AspNetCore.Hosting.Diagnostics")]
    public void Default_rules_leave_other_categories_out(string category) =>
        Assert.Null(CmTraceLoggerProvider.Match(CmTraceDefaults.Rules, category));

    [Fact]
    public void Minimum_level_filters_records()
    {
        using (var provider = CreateProvider(options => options.MinimumLevel = LogLevel.Warning))
        {
            var logger = provider.CreateLogger("CmgSim.CloudService");
            Assert.False(logger.IsEnabled(LogLevel.Information));
            Assert.False(logger.IsEnabled(LogLevel.None));
            logger.LogDebug("debug");
            logger.LogInformation("info");
            logger.LogWarning("warning");
            logger.LogError("error");
            logger.LogCritical("critical");
        }

        var records = Records(ReadShared("CMGService.log"));
        Assert.Equal(["warning", "error", "critical"], records.Select(r => r.Groups["message"].Value));
        Assert.Equal(["2", "3", "3"], records.Select(r => r.Groups["type"].Value));
    }

    [Fact]
    public void Options_minimum_level_applies_even_below_the_global_minimum_level()
    {
        var services = new ServiceCollection().AddLogging(builder => builder
            .SetMinimumLevel(LogLevel.Error)
            .AddCmTrace(options =>
            {
                options.Directory = _directory;
                options.MinimumLevel = LogLevel.Debug;
            }));
        using (var provider = services.BuildServiceProvider())
        {
            provider.GetRequiredService<ILogger<CmTraceLoggerProviderTests>>().LogInformation("not routed");
            provider.GetRequiredService<ILoggerFactory>().CreateLogger("CmgSim.CloudService").LogDebug("debug");
        }

        Assert.Equal(["debug"], Messages(ReadShared("CMGService.log")));
    }

    [Fact]
    public void Exception_text_is_written_inside_the_record()
    {
        using (var provider = CreateProvider())
        {
            provider.CreateLogger("CmgSim.CloudService").LogError(new InvalidOperationException("boom"), "Request failed");
        }

        var record = Assert.Single(Records(ReadShared("CMGService.log")));
        Assert.StartsWith("Request failed\r\nSystem.InvalidOperationException: boom", record.Groups["message"].Value, StringComparison.Ordinal);
        Assert.Equal("3", record.Groups["type"].Value);
    }

    [Fact]
    public void Time_comes_from_the_time_provider()
    {
        using (var provider = CreateProvider())
        {
            var logger = provider.CreateLogger("CmgSim.CloudService");
            logger.LogInformation("first");
            _time.Advance(TimeSpan.FromMilliseconds(2_001));
            logger.LogInformation("second");
        }

        var records = Records(ReadShared("CMGService.log"));
        Assert.Equal(["23:59:58.005+000", "00:00:00.006+000"], records.Select(r => r.Groups["time"].Value));
        Assert.Equal(["11-30-2025", "12-01-2025"], records.Select(r => r.Groups["date"].Value));
    }

    [Fact]
    public void A_restart_appends_to_the_existing_file()
    {
        using (var provider = CreateProvider())
        {
            provider.CreateLogger("CmgSim.CloudService").LogInformation("before restart");
        }

        using (var provider = CreateProvider())
        {
            provider.CreateLogger("CmgSim.CloudService").LogInformation("after restart");
        }

        Assert.Equal(["before restart", "after restart"], Messages(ReadShared("CMGService.log")));
    }

    [Fact]
    public void Files_roll_over_to_lo_underscore_at_the_size_limit()
    {
        const long Limit = 1_000;
        using (var provider = CreateProvider(options => options.MaxFileBytes = Limit))
        {
            var logger = provider.CreateLogger("CmgSim.CloudService");
            for (var i = 0; i < 40; i++)
            {
                LogRecord(logger, i);
            }
        }

        var current = new FileInfo(Path.Combine(_directory, "CMGService.log"));
        var rolled = new FileInfo(Path.Combine(_directory, "CMGService.lo_"));
        Assert.True(rolled.Exists);
        Assert.InRange(current.Length, 1, Limit);
        Assert.InRange(rolled.Length, 1, Limit);

        // One generation is kept: the .lo_ holds the records just before the current file's, with no gap.
        var numbers = Messages(ReadShared("CMGService.lo_")).Concat(Messages(ReadShared("CMGService.log")))
            .Select(m => int.Parse(m["record ".Length..], System.Globalization.CultureInfo.InvariantCulture))
            .ToList();
        Assert.Equal(39, numbers[^1]);
        Assert.Equal(Enumerable.Range(numbers[0], numbers.Count), numbers);
        Assert.True(numbers[0] > 0, "earlier generations are replaced");
    }

    [Fact]
    public void Concurrent_writers_produce_whole_records_and_dispose_flushes_them_all()
    {
        const int Threads = 16;
        const int PerThread = 5_000; // 80,000 records: more than the queue holds, so callers also wait for the writer
        using (var provider = CreateProvider(options => options.MaxFileBytes = long.MaxValue))
        {
            var loggers = new[] { provider.CreateLogger("CmgSim.CloudService.A"), provider.CreateLogger("CmgSim.ConnectionPoint.B") };
            Parallel.For(0, Threads, new ParallelOptions { MaxDegreeOfParallelism = Threads }, t =>
            {
                for (var i = 0; i < PerThread; i++)
                {
                    LogConcurrent(loggers[i % 2], t, i, Padding[..(i % 97)]);
                }
            });
        }

        var text = ReadShared("CMGService.log") + ReadShared("SMS_Cloud_ProxyConnector.log");
        var lines = text.Split("\r\n");
        Assert.Equal("", lines[^1]);
        Assert.All(lines[..^1], line => Assert.Matches(RecordPattern(), line));
        var messages = lines[..^1].Select(line => RecordPattern().Match(line).Groups["message"].Value).ToHashSet(StringComparer.Ordinal);
        Assert.Equal(Threads * PerThread, messages.Count);
    }

    [Fact]
    public async Task Files_can_be_read_while_the_logger_writes()
    {
        await using var provider = CreateProvider();
        provider.CreateLogger("CmgSim.CloudService").LogInformation("tail me");

        // The writer flushes each batch; give it a moment without relying on dispose.
        var text = "";
        for (var attempt = 0; attempt < 200 && !text.Contains("tail me", StringComparison.Ordinal); attempt++)
        {
            await Task.Delay(10);
            text = File.Exists(Path.Combine(_directory, "CMGService.log")) ? ReadShared("CMGService.log") : "";
        }

        Assert.Equal(["tail me"], Messages(text));
    }

    [Fact]
    public void Logging_after_dispose_is_ignored()
    {
        var provider = CreateProvider();
        var logger = provider.CreateLogger("CmgSim.CloudService");
        provider.Dispose();

        logger.LogInformation("too late");
        provider.Dispose();

        Assert.False(File.Exists(Path.Combine(_directory, "CMGService.log")));
    }

    private CmTraceLoggerProvider CreateProvider(Action<CmTraceOptions>? configure = null)
    {
        var options = new CmTraceOptions { Directory = _directory };
        configure?.Invoke(options);
        return new CmTraceLoggerProvider(options, _time);
    }

    private string ReadShared(string fileName)
    {
        using var stream = new FileStream(Path.Combine(_directory, fileName), FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static List<Match> Records(string text) => RecordPattern().Matches(text).ToList();

    private static List<string> Messages(string text) => Records(text).Select(r => r.Groups["message"].Value).ToList();

    [LoggerMessage(Level = LogLevel.Information, Message = "Started {Name}")]
    private static partial void LogStarted(ILogger logger, string name);

    [LoggerMessage(Level = LogLevel.Information, Message = "record {Number:D3}")]
    private static partial void LogRecord(ILogger logger, int number);

    [LoggerMessage(Level = LogLevel.Information, Message = "writer {Thread} record {Index} {Padding}")]
    private static partial void LogConcurrent(ILogger logger, int thread, int index, string padding);

    [GeneratedRegex("""<!\[LOG\[(?<message>.*?)\]LOG\]!><time="(?<time>\d\d:\d\d:\d\d\.\d\d\d\+000)" date="(?<date>\d\d-\d\d-\d{4})" component="(?<component>[^"]*)" context="" type="(?<type>[123])" thread="\d+" file="">""", RegexOptions.Singleline)]
    private static partial Regex RecordPattern();
}
