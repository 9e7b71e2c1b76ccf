using System.IO.Pipelines;
using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;

namespace CmgSim.Tunnel.ConnectionPointSide;

/// <summary>Marks a Kestrel connection as one that arrived down a channel from a VM instance.</summary>
public interface IChannelConnectionFeature
{
    /// <summary>The VM instance's channel URL.</summary>
    Uri ChannelUrl { get; }
}

/// <summary>
/// A channel as a Kestrel connection: the channel's response body is the input, its request body the
/// output. Kestrel serves the HTTP/2 requests the VM instance sends down it.
/// </summary>
internal sealed class ChannelConnectionContext : ConnectionContext, IConnectionLifetimeFeature, IConnectionEndPointFeature,
    IConnectionItemsFeature, IConnectionIdFeature, IConnectionTransportFeature, IChannelConnectionFeature
{
    private static long s_nextId;
    private readonly HttpResponseMessage _response;
    private readonly DuplexChannelContent _content;
    private readonly CancellationTokenSource _closed = new();
    private readonly Action<ChannelConnectionContext> _onDisposed;
    private readonly FirstReadObserverStream _input;
    private int _disposed;

    public ChannelConnectionContext(Uri channelUrl, HttpResponseMessage response, DuplexChannelContent content, Stream requestStream, Stream responseStream, Action<ChannelConnectionContext> onDisposed)
    {
        ChannelUrl = channelUrl;
        _response = response;
        _content = content;
        _onDisposed = onDisposed;
        ConnectionId = "channel-" + Interlocked.Increment(ref s_nextId).ToString(System.Globalization.CultureInfo.InvariantCulture);
        _input = new FirstReadObserverStream(responseStream, OnChannelEnded);
        // When Kestrel completes its output (it has sent GOAWAY and is done), end the channel request so
        // the VM instance sees the end of the stream and closes its side.
        Transport = new DuplexPipe(PipeReader.Create(_input), PipeWriter.Create(new EndOnDisposeStream(requestStream, content, EndChannel, _closed.Token)));
        ConnectionClosed = _closed.Token;
        LocalEndPoint = new UriEndPoint(channelUrl);
        RemoteEndPoint = new DnsEndPoint(channelUrl.Host, channelUrl.Port);
        Features.Set<IConnectionLifetimeFeature>(this);
        Features.Set<IConnectionEndPointFeature>(this);
        Features.Set<IConnectionItemsFeature>(this);
        Features.Set<IConnectionIdFeature>(this);
        Features.Set<IConnectionTransportFeature>(this);
        Features.Set<IChannelConnectionFeature>(this);
    }

    public Uri ChannelUrl { get; }

    /// <summary>False while the VM instance has not used this channel (a standby).</summary>
    public bool HasCarriedTraffic => _input.HasRead;

    public override IFeatureCollection Features { get; } = new FeatureCollection();

    public override string ConnectionId { get; set; }

    public override IDictionary<object, object?> Items { get; set; } = new ConnectionItems();

    public override IDuplexPipe Transport { get; set; }

    public override CancellationToken ConnectionClosed { get; set; }

    public override EndPoint? LocalEndPoint { get; set; }

    public override EndPoint? RemoteEndPoint { get; set; }

    public override void Abort(ConnectionAbortedException abortReason)
    {
        EndChannel();
    }

    /// <summary>
    /// Ends the channel from this side: resetting the channel request tells the VM instance at once,
    /// and Kestrel sees its input end and closes the connection by itself.
    /// </summary>
    public void EndChannel()
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return;
        }

        EndChannelCore();
    }

    private void EndChannelCore()
    {
        _response.Dispose();
        _content.Complete();

        // Like a socket transport, signal ConnectionClosed once the channel is gone: Kestrel then ends the connection.
        try
        {
            _closed.Cancel();
        }
        catch (AggregateException)
        {
            // Kestrel's close callbacks can throw for a connection whose HTTP/2 session never started; it is over either way.
        }
        catch (ObjectDisposedException)
        {
        }
    }

    // The VM instance closed the channel: make sure the request side ends too.
    private void OnChannelEnded() => EndChannel();

    public override async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            await base.DisposeAsync();
            return;
        }

        await Transport.Input.CompleteAsync();
        await Transport.Output.CompleteAsync();
        EndChannelCore();
        _closed.Dispose();
        _onDisposed(this);
        await base.DisposeAsync();
    }

    private sealed class EndOnDisposeStream(Stream inner, DuplexChannelContent content, Action onEnded, CancellationToken ended) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        // Like a socket transport, a write to a channel that has ended neither throws nor waits: the bytes
        // are dropped and Kestrel learns of the end through ConnectionClosed. Waiting would hang (nothing
        // reads or grants flow-control credit any more; the pipe writer's final flush on completion, say of
        // a GOAWAY, would then hold the connection until the host's shutdown timeout), and throwing would
        // make Kestrel log an "unexpected" flush error for an ordinary disconnect.
        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (ended.IsCancellationRequested)
            {
                return;
            }

            try
            {
                await inner.WriteAsync(buffer, cancellationToken.CanBeCanceled ? cancellationToken : ended);
            }
            catch (Exception e) when (IsChannelEnd(e, cancellationToken))
            {
                onEnded();
            }
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async Task FlushAsync(CancellationToken cancellationToken)
        {
            if (ended.IsCancellationRequested)
            {
                return;
            }

            try
            {
                await inner.FlushAsync(cancellationToken.CanBeCanceled ? cancellationToken : ended);
            }
            catch (Exception e) when (IsChannelEnd(e, cancellationToken))
            {
                onEnded();
            }
        }

        // The pipe writer's own cancellation (CancelPendingFlush) must still surface as a cancelled flush.
        private static bool IsChannelEnd(Exception e, CancellationToken cancellationToken) =>
            !cancellationToken.IsCancellationRequested && e is OperationCanceledException or IOException or HttpRequestException or ObjectDisposedException;

        public override void Flush() => throw new NotSupportedException();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            content.Complete();
            base.Dispose(disposing);
        }

        public override ValueTask DisposeAsync()
        {
            content.Complete();
            return base.DisposeAsync();
        }
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
