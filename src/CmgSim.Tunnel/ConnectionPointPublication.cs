namespace CmgSim.Tunnel;

/// <summary>
/// What a connection point tells a VM instance when its channel comes up: who it is, which site it
/// serves, and its URL mappings (endpoint id → internal URL and the paths it forwards).
/// </summary>
public sealed record ConnectionPointPublication
{
    public required string ConnectionPointName { get; init; }

    public required string SiteCode { get; init; }

    public required IReadOnlyList<PublishedUrlMapping> UrlMappings { get; init; }

    /// <summary>How many channels this connection point keeps open to each VM instance.</summary>
    public int ChannelsPerInstance { get; init; } = 1;

    public bool Serves(long endpointId) => Find(endpointId) is not null;

    public PublishedUrlMapping? Find(long endpointId)
    {
        foreach (var mapping in UrlMappings)
        {
            if (mapping.EndpointId == endpointId)
            {
                return mapping;
            }
        }

        return null;
    }
}

/// <summary>One URL mapping of a connection point, as published to the VM instances.</summary>
/// <param name="EndpointId">The endpoint id in <c>/CCM_Proxy_*/&lt;id&gt;</c>.</param>
/// <param name="InternalUrl">The MP's or SUP's internal base URL the connection point forwards to.</param>
/// <param name="AllowedPathPrefixes">The first path segments it forwards (e.g. <c>/SMS_MP</c>), compared case-insensitively.</param>
public sealed record PublishedUrlMapping(long EndpointId, string InternalUrl, IReadOnlyList<string> AllowedPathPrefixes);
