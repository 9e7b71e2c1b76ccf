using System.Net;
using System.Net.Http.Json;
using CmgSim.Core.Security;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace CmgSim.Tunnel.ConnectionPointSide;

/// <summary>
/// Keeps <see cref="ChannelDialerOptions.ChannelsPerInstance"/> channels open to one VM instance. Kestrel
/// keeps one accept outstanding; each accept waits for a free slot, then dials a channel (publishing
/// first), retrying with exponential backoff and jitter. A slot frees when its channel ends, so a lost
/// channel is replaced at once. A 401 or 403 ends the listener: the connection point stops retrying.
/// </summary>
internal sealed partial class ChannelConnectionListener : IConnectionListener
{
    private readonly Uri _channelUrl;
    private readonly Uri _publishUrl;
    private readonly ChannelDialerOptions _options;
    private readonly InstanceChannelStatus _status;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;
    private readonly SemaphoreSlim _slots;
    private readonly CancellationTokenSource _unbind = new();
    private readonly HttpMessageInvoker _client;
    private readonly ResiliencePipeline _dialPipeline;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<ChannelConnectionContext, byte> _live = new();
    private readonly TaskCompletionSource _allEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _drained = Task.CompletedTask;

    public ChannelConnectionListener(UriEndPoint endpoint, ChannelDialerOptions options, InstanceChannelStatus status, TimeProvider timeProvider, ILogger<ChannelConnectionListener> logger)
    {
        EndPoint = endpoint;
        _channelUrl = endpoint.Uri;
        _publishUrl = new Uri(_channelUrl.AbsoluteUri.TrimEnd('/') + "/" + TunnelProtocol.PublishSegment);
        _options = options;
        _status = status;
        _logger = logger;
        _timeProvider = timeProvider;
        _slots = new SemaphoreSlim(options.ChannelsPerInstance, options.ChannelsPerInstance);
        _client = new HttpMessageInvoker(CreateHandler(options), disposeHandler: true);
        var random = options.JitterSeed is { } seed ? new Random(seed) : new Random();
        _dialPipeline = new ResiliencePipelineBuilder { TimeProvider = timeProvider }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(static e => e is not ChannelRejectedException and not OperationCanceledException),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.ReconnectDelay,
                MaxDelay = options.MaxReconnectDelay,
                Randomizer = random.NextDouble,
                OnRetry = args =>
                {
                    _status.Retried();
                    Log.DialFailed(_logger, _channelUrl, args.AttemptNumber + 1, args.RetryDelay.TotalMilliseconds, args.Outcome.Exception?.GetBaseException().Message ?? "no exception");
                    return default;
                },
            })
            .Build();
    }

    public EndPoint EndPoint { get; }

    public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
    {
        using var accept = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _unbind.Token);
        try
        {
            await _slots.WaitAsync(accept.Token);
        }
        catch (OperationCanceledException)
        {
            return null;
        }

        try
        {
            return await _dialPipeline.ExecuteAsync(static (listener, token) => listener.DialAsync(token), this, accept.Token);
        }
        catch (ChannelRejectedException e)
        {
            _status.Rejected($"{e.StatusCode} {e.Reason}");
            Log.Rejected(_logger, _channelUrl, e.StatusCode, e.Reason ?? string.Empty);
            _slots.Release();
            return null;
        }
        catch (OperationCanceledException)
        {
            _slots.Release();
            return null;
        }
    }

    private async ValueTask<ConnectionContext> DialAsync(CancellationToken cancellationToken)
    {
        using var dialTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        dialTimeout.CancelAfter(_options.DialTimeout);
        await PublishAsync(dialTimeout.Token);

        var content = new DuplexChannelContent();
        var request = new HttpRequestMessage(HttpMethod.Post, _channelUrl)
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = content,
        };
        HttpResponseMessage response;
        try
        {
            // The dial timeout's source is disposed on return, so it never cuts an established channel.
            response = await _client.SendAsync(request, dialTimeout.Token);
        }
        catch
        {
            content.Complete();
            throw;
        }

        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            content.Complete();
            response.Dispose();
            throw new ChannelRejectedException((int)response.StatusCode, ReasonOf(response));
        }

        if (response.StatusCode != HttpStatusCode.OK || response.Content.Headers.ContentType?.MediaType != TunnelProtocol.ChannelContentType)
        {
            content.Complete();
            response.Dispose();
            throw new HttpRequestException($"The channel endpoint answered {(int)response.StatusCode} {ReasonOf(response)} instead of opening a channel.");
        }

        var requestStream = await content.RequestStream.WaitAsync(dialTimeout.Token);
        var responseStream = await response.Content.ReadAsStreamAsync(dialTimeout.Token);
        _status.Opened();
        Log.ChannelOpened(_logger, _channelUrl, _status.OpenChannels);
        var connection = new ChannelConnectionContext(_channelUrl, response, content, requestStream, responseStream, OnChannelClosed);
        _live.TryAdd(connection, 0);
        return connection;
    }

    private void OnChannelClosed(ChannelConnectionContext connection)
    {
        _live.TryRemove(connection, out _);
        _status.Closed();
        Log.ChannelClosed(_logger, _channelUrl, _status.OpenChannels);
        _slots.Release();
        if (_unbind.IsCancellationRequested && _live.IsEmpty)
        {
            _allEnded.TrySetResult();
        }
    }

    private async Task PublishAsync(CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _publishUrl)
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = JsonContent.Create(_options.Publication),
        };
        using var response = await _client.SendAsync(request, cancellationToken);
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            throw new ChannelRejectedException((int)response.StatusCode, ReasonOf(response));
        }

        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"Publishing to {_publishUrl} failed with {(int)response.StatusCode} {ReasonOf(response)}.");
        }
    }

    private static string ReasonOf(HttpResponseMessage response) =>
        response.Headers.TryGetValues(Core.Errors.CmgErrorInfo.ErrorCodeHeader, out var codes) ? string.Join(",", codes) : response.ReasonPhrase ?? string.Empty;

    private static SocketsHttpHandler CreateHandler(ChannelDialerOptions options)
    {
        return new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = true,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            KeepAlivePingDelay = options.ChannelCheckInterval,
            KeepAlivePingTimeout = options.ChannelCheckTimeout,
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always,
            ConnectTimeout = options.DialTimeout,
            UseProxy = false,
            UseCookies = false,
            AllowAutoRedirect = false,
            SslOptions = LabServerCertificateValidation.CreateClientOptions(options.ClientCertificate, options.TrustedRoots),
        };
    }

    public ValueTask UnbindAsync(CancellationToken cancellationToken = default)
    {
        _unbind.Cancel();

        // Kestrel drains channels that carry requests (GOAWAY, then in-flight requests finish); a standby
        // has no reader on the VM side to see a GOAWAY, so close it now rather than wait out the drain.
        foreach (var connection in _live.Keys)
        {
            if (!connection.HasCarriedTraffic)
            {
                connection.EndChannel();
            }
        }

        // Channels in use get the drain time for their requests, then they are ended: a channel whose VM side
        // has already gone can leave Kestrel's last GOAWAY write with no reader, which would otherwise hold
        // the shutdown until the host's timeout and its abort.
        _drained = EndChannelsAfterDrainAsync();
        if (_live.IsEmpty)
        {
            _allEnded.TrySetResult();
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// After <see cref="UnbindAsync"/>: completes once every channel has ended, at most after the drain time
    /// (channels carrying requests are ended then).
    /// </summary>
    internal Task WhenChannelsEndedAsync() => Task.WhenAny(_allEnded.Task, _drained);

    private async Task EndChannelsAfterDrainAsync()
    {
        await Task.Delay(_options.DrainTimeout, _timeProvider);
        foreach (var connection in _live.Keys)
        {
            Log.DrainEnded(_logger, _channelUrl);
            connection.EndChannel();
        }
    }

    public ValueTask DisposeAsync()
    {
        _unbind.Cancel();
        _client.Dispose();
        _unbind.Dispose();
        return ValueTask.CompletedTask;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Channel to {ChannelUrl} opened; {OpenChannels} open")]
        public static partial void ChannelOpened(ILogger logger, Uri channelUrl, int openChannels);

        [LoggerMessage(EventId = 3002, Level = LogLevel.Information, Message = "Channel to {ChannelUrl} closed; {OpenChannels} open")]
        public static partial void ChannelClosed(ILogger logger, Uri channelUrl, int openChannels);

        [LoggerMessage(EventId = 3003, Level = LogLevel.Warning, Message = "Cannot open a channel to {ChannelUrl} (attempt {Attempt}), retrying in {DelayMs:F0} ms: {Reason}")]
        public static partial void DialFailed(ILogger logger, Uri channelUrl, int attempt, double delayMs, string reason);

        [LoggerMessage(EventId = 3005, Level = LogLevel.Information, Message = "Channel to {ChannelUrl} ended after the drain time")]
        public static partial void DrainEnded(ILogger logger, Uri channelUrl);

        [LoggerMessage(EventId = 3004, Level = LogLevel.Error, Message = "The VM instance at {ChannelUrl} refused this connection point with {StatusCode} {Reason}; no more retries")]
        public static partial void Rejected(ILogger logger, Uri channelUrl, int statusCode, string reason);
    }
}
