namespace CmgSim.Tunnel;

/// <summary>
/// What a connection point tells a VM instance when its channel comes up: who it is, which site it
/// serves and which endpoint ids it can forward to.
/// </summary>
public sealed record ConnectionPointPublication
{
    public required string ConnectionPointName { get; init; }

    public required string SiteCode { get; init; }

    public required IReadOnlyList<long> EndpointIds { get; init; }

    /// <summary>How many channels this connection point keeps open to each VM instance.</summary>
    public int ChannelsPerInstance { get; init; } = 1;
}
