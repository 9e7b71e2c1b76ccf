using CmgSim.Tunnel.CloudSide;
using Microsoft.Extensions.Options;

namespace CmgSim.CloudService.Routing;

/// <summary>
/// The URL filter: which endpoint ids and path prefixes are published. Two sources, as in the product: the
/// URL list the site uploaded to the CMG (configuration), and the URL mappings each connection point
/// publishes when its channels come up.
/// </summary>
internal sealed class PublishedUrlList
{
    private readonly Dictionary<long, PublishedEndpoint> _uploaded;
    private readonly ChannelRegistry _channels;

    public PublishedUrlList(IOptions<CloudServiceOptions> options, ChannelRegistry channels)
    {
        _uploaded = options.Value.PublishedEndpoints.ToDictionary(static e => e.EndpointId);
        _channels = channels;
    }

    /// <summary>Finds the site and the published path prefixes of <paramref name="endpointId"/>.</summary>
    public bool TryGetEndpoint(long endpointId, out string siteCode, out IReadOnlyList<string> allowedPathPrefixes)
    {
        if (_uploaded.TryGetValue(endpointId, out var endpoint))
        {
            siteCode = endpoint.SiteCode;
            allowedPathPrefixes = endpoint.AllowedPathPrefixes;
            return true;
        }

        foreach (var connectionPoint in _channels.ConnectionPoints)
        {
            var publication = connectionPoint.Publication;
            if (publication.Find(endpointId) is { } mapping)
            {
                siteCode = publication.SiteCode;
                allowedPathPrefixes = mapping.AllowedPathPrefixes;
                return true;
            }
        }

        siteCode = string.Empty;
        allowedPathPrefixes = [];
        return false;
    }
}
