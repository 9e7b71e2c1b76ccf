using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CmgSim.Tunnel.ConnectionPointSide;

/// <summary>
/// Lets Kestrel "listen" on a VM instance's channel URL (a <see cref="UriEndPoint"/>): accepting a
/// connection there means dialing out a channel. IP endpoints stay with the sockets transport.
/// </summary>
internal sealed class ChannelConnectionListenerFactory : IConnectionListenerFactory, IConnectionListenerFactorySelector
{
    private readonly ChannelDialerOptions _options;
    private readonly ChannelStatus _status;
    private readonly TimeProvider _timeProvider;
    private readonly ILoggerFactory _loggerFactory;

    public ChannelConnectionListenerFactory(IOptions<ChannelDialerOptions> options, ChannelStatus status, TimeProvider timeProvider, ILoggerFactory loggerFactory)
    {
        _options = options.Value;
        _status = status;
        _timeProvider = timeProvider;
        _loggerFactory = loggerFactory;
    }

    public bool CanBind(EndPoint endpoint) => endpoint is UriEndPoint;

    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        if (endpoint is not UriEndPoint uriEndPoint)
        {
            throw new NotSupportedException($"{endpoint} is not a channel URL.");
        }

        var listener = new ChannelConnectionListener(
            uriEndPoint,
            _options,
            _status.ForInstance(uriEndPoint.Uri),
            _timeProvider,
            _loggerFactory.CreateLogger<ChannelConnectionListener>());
        return ValueTask.FromResult<IConnectionListener>(listener);
    }
}
