namespace CmgSim.Tunnel.ConnectionPointSide;

/// <summary>
/// A read-only pass-through that notes whether any byte has arrived, and reports the end of the stream
/// (the VM instance closed the channel), which is when the connection is over.
/// </summary>
internal sealed class FirstReadObserverStream(Stream inner, Action onEnded) : Stream
{
    private volatile bool _hasRead;

    /// <summary>True once the VM instance has sent anything down this channel (it has been put to use).</summary>
    public bool HasRead => _hasRead;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        int read;
        try
        {
            read = await inner.ReadAsync(buffer, cancellationToken);
        }
        catch (Exception e) when (e is IOException or HttpRequestException or ObjectDisposedException)
        {
            onEnded();
            throw;
        }

        if (read == 0 && buffer.Length > 0)
        {
            onEnded();
        }
        else if (!_hasRead)
        {
            _hasRead = true;
        }

        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
