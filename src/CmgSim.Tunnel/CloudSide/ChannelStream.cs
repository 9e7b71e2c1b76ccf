namespace CmgSim.Tunnel.CloudSide;

/// <summary>
/// One channel from a connection point, seen from the VM instance: reads come from the channel
/// request's body, writes go to its response body. Single use: once disposed it is never handed out
/// again, so bytes left over from an abandoned exchange can never reach the next one.
/// </summary>
internal sealed class ChannelStream : Stream
{
    private readonly Stream _fromConnectionPoint;
    private readonly Stream _toConnectionPoint;
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ChannelStream(Stream fromConnectionPoint, Stream toConnectionPoint)
    {
        _fromConnectionPoint = fromConnectionPoint;
        _toConnectionPoint = toConnectionPoint;
    }

    /// <summary>Completes when the stream is disposed or aborted.</summary>
    public Task Closed => _closed.Task;

    public bool IsClosed => _closed.Task.IsCompleted;

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public void Abort() => _closed.TrySetResult();

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        _fromConnectionPoint.ReadAsync(buffer, cancellationToken);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        _fromConnectionPoint.ReadAsync(buffer, offset, count, cancellationToken);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        _toConnectionPoint.WriteAsync(buffer, cancellationToken);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        _toConnectionPoint.WriteAsync(buffer, offset, count, cancellationToken);

    public override Task FlushAsync(CancellationToken cancellationToken) => _toConnectionPoint.FlushAsync(cancellationToken);

    // HttpClient only uses the asynchronous members; blocking calls have no place on this path.
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        _closed.TrySetResult();
        base.Dispose(disposing);
    }

    public override ValueTask DisposeAsync()
    {
        _closed.TrySetResult();
        return base.DisposeAsync();
    }
}
