using System.ComponentModel.DataAnnotations;
using CmgSim.CloudService.Capacity;
using CmgSim.Core.Topology;

namespace CmgSim.CloudService;

/// <summary>Settings of one CMG VM instance, as the site configures the cloud service.</summary>
public sealed class CloudServiceOptions
{
    /// <summary>The CMG service name, the CN of its server-auth certificate.</summary>
    [Required]
    public string ServiceName { get; set; } = "GraniteFalls.contoso.com";

    /// <summary>The VM instance name, in the product's style (<c>ProxyService_IN_0</c>).</summary>
    [Required]
    public string InstanceName { get; set; } = "ProxyService_IN_0";

    /// <summary>The URL list the site uploaded: only these endpoint ids and path prefixes pass the URL filter.</summary>
    public IList<PublishedEndpoint> PublishedEndpoints { get; } = new List<PublishedEndpoint>();

    /// <summary>"Verify client certificate revocation" of the CMG wizard; on by default, as in the product.</summary>
    public bool VerifyClientCertificateRevocation { get; set; } = true;

    /// <summary>How often CMGService.log gets its per-URI statistics. Default 60 s.</summary>
    public TimeSpan StatisticsInterval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The VM size and what happens past its supported client connections (docs/architecture.md, "Capacity model").</summary>
    public CapacityOptions Capacity { get; } = new();
}

/// <summary>One site role the site published through the CMG.</summary>
public sealed record PublishedEndpoint
{
    public required long EndpointId { get; init; }

    public required SiteRoleKind Kind { get; init; }

    /// <summary>The site whose connection points serve this role.</summary>
    public required string SiteCode { get; init; }

    /// <summary>The first path segments that may follow <c>/&lt;prefix&gt;/&lt;id&gt;</c>, compared case-insensitively.</summary>
    public required IReadOnlyList<string> AllowedPathPrefixes { get; init; }
}
