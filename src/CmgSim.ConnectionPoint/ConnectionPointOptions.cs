using System.ComponentModel.DataAnnotations;
using CmgSim.Core.Topology;

namespace CmgSim.ConnectionPoint;

/// <summary>Settings of one CMG connection point.</summary>
public sealed class ConnectionPointOptions
{
    /// <summary>The connection point's server name (FQDN); its client-auth certificate must name it.</summary>
    [Required]
    public string Name { get; set; } = "CMGCP01.contoso.com";

    [Required]
    public string SiteCode { get; set; } = "PS1";

    /// <summary>The URL mappings: endpoint id → internal URL of the MP or SUP.</summary>
    public IList<UrlMapping> UrlMappings { get; } = new List<UrlMapping>();

    /// <summary>How long the MP or SUP has to send its response headers. Default 30 s.</summary>
    public TimeSpan SiteRoleTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Failures in a row (within the sampling window) that open the circuit toward a site role. Default 5.</summary>
    [Range(2, int.MaxValue)]
    public int BreakerMinimumThroughput { get; set; } = 5;

    /// <summary>How long an open circuit fails requests at once before trying the site role again. Default 5 s.</summary>
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often the traffic report (ReportTrafficData) is written. The product sends it every 5 minutes.</summary>
    public TimeSpan TrafficReportInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Local ports the connection point may hold toward the MP and SUP at once: one per forwarded request in
    /// flight, a client's held notification poll included. Past it requests get 503
    /// <c>CMGConnector_ServiceUnavailable</c>. Default 16,384, Windows Server's default dynamic port range
    /// (cmg-facts §4.5).
    /// </summary>
    [Range(1, int.MaxValue)]
    public int SiteRolePortBudget { get; set; } = DefaultSiteRolePortBudget;

    /// <summary>Windows Server's default dynamic TCP port range: 49152–65535.</summary>
    public const int DefaultSiteRolePortBudget = 16384;

    /// <summary>VM instances one connection point supports (cmg-facts §4.2); past it the connection point warns.</summary>
    public const int SupportedVmInstances = 4;
}

/// <summary>Where the connection point forwards one published endpoint id.</summary>
public sealed record UrlMapping
{
    public required long EndpointId { get; init; }

    public required SiteRoleKind Kind { get; init; }

    /// <summary>The role's internal base URL, e.g. <c>https://127.0.0.1:44301</c>.</summary>
    public required Uri InternalUrl { get; init; }

    /// <summary>The role's host name as the site knows it (logged as the internal URL's host).</summary>
    public string? Fqdn { get; init; }

    /// <summary>The paths forwarded for this role; by default those of its kind (<see cref="Core.SiteRolePaths"/>).</summary>
    public IReadOnlyList<string>? AllowedPathPrefixes { get; init; }
}
