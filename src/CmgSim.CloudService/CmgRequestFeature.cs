using CmgSim.Identity.Tokens;
using CmgSim.CloudService.Routing;
using CmgSim.Core.Errors;

namespace CmgSim.CloudService;

/// <summary>What the cloud service decided about one client request; set on <c>HttpContext.Features</c>.</summary>
public sealed class CmgRequestFeature
{
    public CmgAuthPrefix Prefix { get; set; }

    public long? EndpointId { get; set; }

    public string? ConnectionPoint { get; set; }

    /// <summary>The bearer token kind a ServerAuth request was admitted with.</summary>
    public BearerTokenKind? TokenKind { get; set; }

    /// <summary>The VM instance's client connections when the request arrived: what its added delay was decided on.</summary>
    public int ClientConnections { get; set; }

    /// <summary>The CMG error the request was answered with, if any.</summary>
    public CmgError? Error { get; set; }

    /// <summary>The delay an overloaded VM instance added before serving the request; zero within capacity.</summary>
    public TimeSpan AddedDelay { get; set; }
}
