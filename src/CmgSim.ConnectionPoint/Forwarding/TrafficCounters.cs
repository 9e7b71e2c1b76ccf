using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CmgSim.ConnectionPoint.Forwarding;

/// <summary>
/// Per-endpoint traffic counters and the periodic ReportTrafficData record of SMS_Cloud_ProxyConnector.log
/// (cmg-facts §8.1, §10.11).
/// </summary>
internal sealed partial class TrafficCounters : BackgroundService
{
    private readonly ConcurrentDictionary<(string EndpointName, string TargetHost), EndpointCounters> _endpoints = new();
    private readonly ConnectionPointOptions _options;
    private readonly string _proxyServer;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private DateTimeOffset _periodStart;
    private int _concurrent;
    private int _maxConcurrent;

    public TrafficCounters(IOptions<ConnectionPointOptions> options, TimeProvider timeProvider, ILogger<TrafficCounters> logger, ProxyServerName proxyServer)
    {
        _options = options.Value;
        _timeProvider = timeProvider;
        _logger = logger;
        _proxyServer = proxyServer.Value;
        _periodStart = timeProvider.GetUtcNow();
    }

    public void Enter()
    {
        var now = Interlocked.Increment(ref _concurrent);
        int max;
        while (now > (max = Volatile.Read(ref _maxConcurrent)) && Interlocked.CompareExchange(ref _maxConcurrent, now, max) != max)
        {
        }
    }

    public void Exit() => Interlocked.Decrement(ref _concurrent);

    public void Record(string endpointName, string targetHost, bool bearer, long requestBytes, long responseBytes, bool failed)
    {
        var counters = _endpoints.GetOrAdd((endpointName, targetHost), static _ => new EndpointCounters());
        Interlocked.Increment(ref counters.TotalRequests);
        if (bearer)
        {
            Interlocked.Increment(ref counters.TotalRequestsWithBearerToken);
        }

        if (failed)
        {
            Interlocked.Increment(ref counters.FailedRequests);
        }

        Interlocked.Add(ref counters.TotalRequestBytes, requestBytes);
        Interlocked.Add(ref counters.TotalResponseBytes, responseBytes);
    }

    /// <summary>Builds the report of the period that just ended and starts a new one.</summary>
    public string BuildReport()
    {
        var end = _timeProvider.GetUtcNow();
        var builder = new StringBuilder();
        builder.Append(CultureInfo.InvariantCulture, $"<ProxyTrafficStateDetails ServerName=\"{_options.Name}\" StartTime=\"{_periodStart:yyyy-MM-ddTHH:mm:ssZ}\" EndTime=\"{end:yyyy-MM-ddTHH:mm:ssZ}\" MaxConcurrentRequests=\"{Interlocked.Exchange(ref _maxConcurrent, Volatile.Read(ref _concurrent))}\"><EndPoints>");
        foreach (var ((endpointName, targetHost), counters) in _endpoints)
        {
            builder.Append(CultureInfo.InvariantCulture, $"<EndPoint Name=\"{endpointName}\" ProxyServer=\"{_proxyServer}\" TargetHost=\"{targetHost}\" TotalRequests=\"{Interlocked.Exchange(ref counters.TotalRequests, 0)}\" TotalRequestsWithBearerToken=\"{Interlocked.Exchange(ref counters.TotalRequestsWithBearerToken, 0)}\" TotalRequestBytes=\"{Interlocked.Exchange(ref counters.TotalRequestBytes, 0)}\" TotalResponseBytes=\"{Interlocked.Exchange(ref counters.TotalResponseBytes, 0)}\" FailedRequests=\"{Interlocked.Exchange(ref counters.FailedRequests, 0)}\"/>");
        }

        builder.Append("</EndPoints></ProxyTrafficStateDetails>");
        _periodStart = end;
        return builder.ToString();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.TrafficReportInterval, _timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var report = BuildReport();
                Log.Report(_logger, report);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private sealed class EndpointCounters
    {
        public long TotalRequests;
        public long TotalRequestsWithBearerToken;
        public long TotalRequestBytes;
        public long TotalResponseBytes;
        public long FailedRequests;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 5101, Level = LogLevel.Information, Message = "ReportTrafficData - state message to send: {Report}")]
        public static partial void Report(ILogger logger, string report);
    }
}

/// <summary>The CMG service name, reported as ProxyServer in traffic reports.</summary>
public sealed record ProxyServerName(string Value);
