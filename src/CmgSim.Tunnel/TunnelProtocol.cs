namespace CmgSim.Tunnel;

/// <summary>
/// The wire contract between a connection point and a VM instance's tunnel endpoint.
/// </summary>
/// <remarks>
/// A connection point opens each channel as one HTTP/2 <c>POST {channelPath}/{connectionPoint}</c> whose
/// request body (connection point → VM) and response body (VM → connection point) together form a
/// duplex byte stream. The VM instance speaks HTTP/2 with prior knowledge over that stream as the
/// client, and the connection point's Kestrel serves it, so one channel multiplexes many requests.
/// </remarks>
public static class TunnelProtocol
{
    /// <summary>The path prefix of the channel endpoint on a VM instance's tunnel port.</summary>
    public const string ChannelPath = "/CMGChannel";

    /// <summary>The sub-path a connection point posts its publication (site and endpoint ids) to.</summary>
    public const string PublishSegment = "publish";

    /// <summary>The response content type of an accepted channel, so a dialer knows it reached a real channel endpoint.</summary>
    public const string ChannelContentType = "application/x-cmgsim-channel";

    public static string ChannelUrl(string tunnelBaseUrl, string connectionPointName) =>
        $"{tunnelBaseUrl.TrimEnd('/')}{ChannelPath}/{Uri.EscapeDataString(connectionPointName)}";
}
