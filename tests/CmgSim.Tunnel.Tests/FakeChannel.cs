using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using CmgSim.Tunnel.CloudSide;

namespace CmgSim.Tunnel.Tests;

/// <summary>
/// A channel without a connection point behind it: whatever the test writes with <see cref="Answer"/> is
/// what the VM instance's client reads back; what the client sends is discarded.
/// </summary>
internal sealed class FakeChannel
{
    private readonly Pipe _fromConnectionPoint = new();

    public FakeChannel()
    {
        Stream = new ChannelStream(_fromConnectionPoint.Reader.AsStream(), System.IO.Stream.Null);

        // As the VM instance's channel endpoint does (it aborts the channel request), end pending reads
        // once the channel closes: the HTTP client cancels a read by disposing the stream.
        _ = Stream.Closed.ContinueWith(
            _ => _fromConnectionPoint.Writer.Complete(new IOException("The channel closed.")),
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    public ChannelStream Stream { get; }

    /// <summary>The task <see cref="ConnectionPointChannels.AddAsync"/> returned: completes when the channel closes.</summary>
    public Task Closed { get; private set; } = Task.CompletedTask;

    public FakeChannel AddTo(ConnectionPointChannels channels)
    {
        Closed = channels.AddAsync(Stream);
        return this;
    }

    /// <summary>Queues an HTTP/1.1 response for the client to read.</summary>
    public FakeChannel Answer(string body, bool close = false)
    {
        var response = $"HTTP/1.1 200 OK\r\nContent-Length: {Encoding.ASCII.GetByteCount(body)}\r\n{(close ? "Connection: close\r\n" : string.Empty)}\r\n{body}";
        _fromConnectionPoint.Writer.Write(Encoding.ASCII.GetBytes(response));
        _ = _fromConnectionPoint.Writer.FlushAsync().AsTask();
        return this;
    }
}
