using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CmgSim.Tunnel.CloudSide;

/// <summary>
/// The connection points that hold channels to one VM instance. Picks a connected connection point of
/// a site round-robin, as the CMG does.
/// </summary>
public sealed partial class ChannelRegistry : IDisposable
{
    private readonly ConcurrentDictionary<string, ConnectionPointChannels> _connectionPoints = new(StringComparer.OrdinalIgnoreCase);
    private readonly ChannelClientOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<ChannelRegistry> _logger;
    private int _roundRobin;

    public ChannelRegistry(IOptions<ChannelClientOptions> options, TimeProvider timeProvider, ILogger<ChannelRegistry> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    public ChannelClientOptions Options => _options;

    public IReadOnlyCollection<ConnectionPointChannels> ConnectionPoints => (IReadOnlyCollection<ConnectionPointChannels>)_connectionPoints.Values;

    /// <summary>Records (or refreshes) what a connection point published.</summary>
    public ConnectionPointChannels Publish(ConnectionPointPublication publication)
    {
        ArgumentNullException.ThrowIfNull(publication);
        var channels = _connectionPoints.AddOrUpdate(
            publication.ConnectionPointName,
            static (_, state) => new ConnectionPointChannels(state.publication, state.options, state.timeProvider),
            static (_, existing, state) =>
            {
                existing.UpdatePublication(state.publication);
                return existing;
            },
            (publication, options: _options, timeProvider: _timeProvider));
        if (_logger.IsEnabled(LogLevel.Information))
        {
            Log.Published(_logger, publication.ConnectionPointName, publication.SiteCode, publication.UrlMappings.Select(static m => $"{m.EndpointId} → {m.InternalUrl}").ToArray());
        }
        return channels;
    }

    /// <summary>
    /// Picks a connection point of <paramref name="siteCode"/> that serves <paramref name="endpointId"/>
    /// and holds at least one open channel to this VM instance, round-robin.
    /// </summary>
    public ConnectionPointChannels? PickConnectionPoint(string siteCode, long endpointId)
    {
        var count = 0;
        foreach (var channels in _connectionPoints.Values)
        {
            if (Serves(channels, siteCode, endpointId))
            {
                count++;
            }
        }

        if (count == 0)
        {
            return null;
        }

        var index = (int)((uint)Interlocked.Increment(ref _roundRobin) % (uint)count);
        ConnectionPointChannels? last = null;
        foreach (var channels in _connectionPoints.Values)
        {
            if (Serves(channels, siteCode, endpointId))
            {
                last = channels;
                if (index-- == 0)
                {
                    return channels;
                }
            }
        }

        // A channel closed between the two passes.
        return last;
    }

    private static bool Serves(ConnectionPointChannels channels, string siteCode, long endpointId)
    {
        var publication = channels.Publication;
        return channels.IsConnected
            && string.Equals(publication.SiteCode, siteCode, StringComparison.OrdinalIgnoreCase)
            && publication.Serves(endpointId);
    }

    /// <summary>
    /// Turns an authenticated channel request into a channel: answers 200 at once, registers the duplex
    /// stream, and returns when the channel closes (disposed by the HTTP/2 client, aborted by the
    /// connection point, or the host stops).
    /// </summary>
    public async Task AcceptChannelAsync(HttpContext context, string connectionPointName)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!_connectionPoints.TryGetValue(connectionPointName, out var channels))
        {
            context.Response.StatusCode = StatusCodes.Status409Conflict;
            Log.ChannelWithoutPublication(_logger, connectionPointName);
            return;
        }

        // A channel is a long-lived request: per-request limits meant for clients must not close it.
        if (context.Features.Get<IHttpMinRequestBodyDataRateFeature>() is { } minRate)
        {
            minRate.MinDataRate = null;
        }

        if (context.Features.Get<IHttpMinResponseDataRateFeature>() is { } minResponseRate)
        {
            minResponseRate.MinDataRate = null;
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } maxSize)
        {
            maxSize.MaxRequestBodySize = null;
        }

        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = TunnelProtocol.ChannelContentType;
        await context.Response.StartAsync(context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);

        var channel = new ChannelStream(context.Request.Body, context.Response.Body);
        using var abortRegistration = context.RequestAborted.Register(static state => ((ChannelStream)state!).Abort(), channel);
        Log.ChannelOpened(_logger, connectionPointName, channels.OpenChannels + 1);
        await channels.AddAsync(channel);
        Log.ChannelClosed(_logger, connectionPointName, channels.OpenChannels);

        // A channel is single use: reset it, so the connection point sees the end at once even if the
        // HTTP/2 client stopped mid-frame, and never waits for a graceful end that cannot come.
        context.Abort();
    }

    public void Dispose()
    {
        foreach (var channels in _connectionPoints.Values)
        {
            channels.Dispose();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Connection point {ConnectionPoint} published site {SiteCode} with URL mappings {UrlMappings}")]
        public static partial void Published(ILogger logger, string connectionPoint, string siteCode, IReadOnlyList<string> urlMappings);

        [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "Channel from connection point {ConnectionPoint} opened; {OpenChannels} open")]
        public static partial void ChannelOpened(ILogger logger, string connectionPoint, int openChannels);

        [LoggerMessage(EventId = 2003, Level = LogLevel.Information, Message = "Channel from connection point {ConnectionPoint} closed; {OpenChannels} open")]
        public static partial void ChannelClosed(ILogger logger, string connectionPoint, int openChannels);

        [LoggerMessage(EventId = 2004, Level = LogLevel.Warning, Message = "Connection point {ConnectionPoint} opened a channel before publishing its site; refused with 409")]
        public static partial void ChannelWithoutPublication(ILogger logger, string connectionPoint);
    }
}
