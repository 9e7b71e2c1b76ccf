namespace CmgSim.Tunnel.ConnectionPointSide;

/// <summary>The VM instance refused the connection point (401 or 403): retrying cannot help.</summary>
public sealed class ChannelRejectedException : Exception
{
    public ChannelRejectedException(int statusCode, string? reason)
        : base($"The VM instance refused the channel with HTTP {statusCode} {reason}.")
    {
        StatusCode = statusCode;
        Reason = reason;
    }

    public ChannelRejectedException()
        : this(0, null)
    {
    }

    public ChannelRejectedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public int StatusCode { get; }

    public string? Reason { get; }
}
