using System.Globalization;
using CmgSim.Core;

namespace CmgSim.CloudService.Routing;

/// <summary>How a client authenticates on a CMG URL prefix.</summary>
public enum CmgAuthPrefix
{
    /// <summary><c>/CCM_Proxy_MutualAuth</c>: TLS client certificate.</summary>
    MutualAuth,

    /// <summary><c>/CCM_Proxy_ServerAuth</c>: bearer token over server-auth TLS.</summary>
    ServerAuth,
}

/// <summary>What a client URL on the CMG addresses, parsed without allocating.</summary>
internal readonly struct CmgRequestTarget
{
    public CmgAuthPrefix Prefix { get; init; }

    /// <summary>The endpoint id, or null when the segment after the prefix is not a number.</summary>
    public long? EndpointId { get; init; }

    /// <summary>The segment after the prefix (an endpoint id, <c>ServiceMetadata</c>, <c>AADAuthInfo</c>, …).</summary>
    public string Segment { get; init; }

    /// <summary>The path after <c>/&lt;prefix&gt;/&lt;segment&gt;</c>, starting with '/', or empty.</summary>
    public string Rest { get; init; }

    public static bool TryParse(string path, out CmgRequestTarget target)
    {
        target = default;
        CmgAuthPrefix prefix;
        int afterPrefix;
        if (path.StartsWith(CmgPaths.MutualAuthPrefix, StringComparison.OrdinalIgnoreCase))
        {
            prefix = CmgAuthPrefix.MutualAuth;
            afterPrefix = CmgPaths.MutualAuthPrefix.Length;
        }
        else if (path.StartsWith(CmgPaths.ServerAuthPrefix, StringComparison.OrdinalIgnoreCase))
        {
            prefix = CmgAuthPrefix.ServerAuth;
            afterPrefix = CmgPaths.ServerAuthPrefix.Length;
        }
        else
        {
            return false;
        }

        if (path.Length <= afterPrefix + 1 || path[afterPrefix] != '/')
        {
            return false;
        }

        var segmentEnd = path.IndexOf('/', afterPrefix + 1);
        if (segmentEnd < 0)
        {
            segmentEnd = path.Length;
        }

        var segment = path[(afterPrefix + 1)..segmentEnd];
        long? endpointId = long.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : null;
        target = new CmgRequestTarget
        {
            Prefix = prefix,
            EndpointId = endpointId,
            Segment = segment,
            Rest = path[segmentEnd..],
        };
        return true;
    }
}
