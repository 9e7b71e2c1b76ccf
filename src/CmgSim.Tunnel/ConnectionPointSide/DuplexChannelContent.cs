using System.Net;

namespace CmgSim.Tunnel.ConnectionPointSide;

/// <summary>
/// The request body of a channel: hands the request stream to the connection and keeps it open until
/// the connection ends.
/// </summary>
internal sealed class DuplexChannelContent : HttpContent
{
    private readonly TaskCompletionSource<Stream> _stream = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<Stream> RequestStream => _stream.Task;

    /// <summary>Ends the request body, which ends the channel's request stream on the VM instance.</summary>
    public void Complete()
    {
        _stream.TrySetCanceled(CancellationToken.None);
        _done.TrySetResult();
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        // Flush now so the request headers leave before any body byte does.
        await stream.FlushAsync(cancellationToken);
        _stream.TrySetResult(stream);
        await _done.Task.WaitAsync(cancellationToken);
    }

    protected override bool TryComputeLength(out long length)
    {
        length = -1;
        return false;
    }

    protected override void Dispose(bool disposing)
    {
        Complete();
        base.Dispose(disposing);
    }
}
