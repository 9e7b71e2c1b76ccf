using CmgSim.CloudService.Routing;
using CmgSim.Core.Logging;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CmgSim.CloudService.Statistics;

/// <summary>
/// The per-URI request statistics the product writes to CMGService.log: counted per request, written
/// every <see cref="CloudServiceOptions.StatisticsInterval"/> and once more at shutdown.
/// </summary>
internal sealed partial class CmgServiceStatistics : BackgroundService
{
    private readonly CmgServiceRequestStatistics _statistics = new();
    private readonly TimeSpan _interval;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;

    public CmgServiceStatistics(IOptions<CloudServiceOptions> options, TimeProvider timeProvider, ILogger<CmgServiceStatistics> logger)
    {
        _interval = options.Value.StatisticsInterval;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    public void Record(HttpContext context, in CmgRequestTarget target, TimeSpan elapsed) =>
        _statistics.Record(context.Request.Path.Value ?? string.Empty, context.Request.ContentLength ?? 0, context.Response.ContentLength ?? 0, elapsed);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_interval, _timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                WriteReport();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        WriteReport();
    }

    private void WriteReport()
    {
        foreach (var line in _statistics.DrainReport())
        {
            Log.Statistics(_logger, line);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1101, Level = LogLevel.Information, Message = "{Line}")]
        public static partial void Statistics(ILogger logger, string line);
    }
}
