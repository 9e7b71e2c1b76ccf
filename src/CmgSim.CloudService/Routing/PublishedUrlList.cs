using Microsoft.Extensions.Options;

namespace CmgSim.CloudService.Routing;

/// <summary>The URL filter: which endpoint ids and path prefixes the site published.</summary>
internal sealed class PublishedUrlList
{
    private readonly Dictionary<long, PublishedEndpoint> _endpoints;

    public PublishedUrlList(IOptions<CloudServiceOptions> options)
    {
        _endpoints = options.Value.PublishedEndpoints.ToDictionary(static e => e.EndpointId);
    }

    public bool TryGetEndpoint(long endpointId, out PublishedEndpoint endpoint) => _endpoints.TryGetValue(endpointId, out endpoint!);

    /// <summary>True when <paramref name="rest"/> starts with one of the endpoint's published prefixes, on a segment boundary.</summary>
    public static bool IsPathPublished(PublishedEndpoint endpoint, string rest)
    {
        foreach (var prefix in endpoint.AllowedPathPrefixes)
        {
            if (rest.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)
                && (rest.Length == prefix.Length || rest[prefix.Length] is '/' or '?' or '.'))
            {
                return true;
            }
        }

        return false;
    }
}
