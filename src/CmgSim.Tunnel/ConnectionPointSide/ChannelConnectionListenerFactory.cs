using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CmgSim.Tunnel.ConnectionPointSide;

/// <summary>
/// Lets Kestrel "listen" on a VM instance's channel URL (a <see cref="UriEndPoint"/>): accepting a
/// connection there means dialing out a channel. <see cref="ChannelTargets.CreateEndPoint"/> stands for every
/// VM instance of the connection point's changing list. IP endpoints stay with the sockets transport.
/// </summary>
internal sealed class ChannelConnectionListenerFactory : IConnectionListenerFactory, IConnectionListenerFactorySelector
{
    private readonly ChannelDialerOptions _options;
    private readonly ChannelStatus _status;
    private readonly ChannelTargets _targets;
    private readonly TimeProvider _timeProvider;
    private readonly ILoggerFactory _loggerFactory;

    public ChannelConnectionListenerFactory(IOptions<ChannelDialerOptions> options, ChannelStatus status, ChannelTargets targets, TimeProvider timeProvider, ILoggerFactory loggerFactory)
    {
        _options = options.Value;
        _status = status;
        _targets = targets;
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

        if (string.Equals(uriEndPoint.Uri.Scheme, ChannelTargets.Scheme, StringComparison.OrdinalIgnoreCase))
        {
            // Every VM instance of the (changing) list, through one listener.
            var targets = new ChannelTargetsListener(uriEndPoint, _targets, url => CreateInstanceListener(new UriEndPoint(url)), _status, _loggerFactory.CreateLogger<ChannelTargetsListener>());
            targets.Start();
            return ValueTask.FromResult<IConnectionListener>(targets);
        }

        return ValueTask.FromResult<IConnectionListener>(CreateInstanceListener(uriEndPoint));
    }

    private ChannelConnectionListener CreateInstanceListener(UriEndPoint endpoint) => new(
        endpoint,
        _options,
        _status.ForInstance(endpoint.Uri),
        _timeProvider,
        _loggerFactory.CreateLogger<ChannelConnectionListener>());
}
