using System.Text.Json.Serialization;

namespace CmgSim.CloudService.Capacity;

/// <summary>What a VM instance does with client connections past its size's supported number.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<OverloadMode>))]
public enum OverloadMode
{
    /// <summary>Keep serving, later: every client request waits an added delay that grows with the overload (the product's documented behaviour).</summary>
    Delay,

    /// <summary>
    /// Strict, for experiments: requests on a client connection opened past the limit get 503
    /// <c>CMGConnector_ServiceUnavailable</c> while the instance is still over it. Connections within the limit are served.
    /// </summary>
    Refuse,
}

/// <summary>
/// The capacity model of one VM instance (docs/architecture.md, "Capacity model"). The product documents only
/// that past the supported number of clients "responses may be delayed" (cmg-facts §4.1); the shape of the
/// delay is CmgSim's [DERIVED]:
/// <code>
/// overload%  = (active − supported) / supported × 100          (active &gt; supported, else no delay)
/// AddedDelay = min(MaxAddedDelay, OverloadStepDelay + DelayPerOverloadPercent × overload%)
/// </code>
/// </summary>
public sealed class CapacityOptions
{
    /// <summary>The VM size profile (<see cref="VmSizeProfiles"/>): lab, standard, large, vmss-2103, classic. Default standard.</summary>
    public string VmSize { get; set; } = VmSizeProfiles.DefaultName;

    public OverloadMode OverloadMode { get; set; } = OverloadMode.Delay;

    /// <summary>
    /// The delay as soon as one connection is over the limit. Default 50 ms: an order of magnitude above the
    /// 1–2 ms median of a request through a YARP hop on loopback (engineering-notes §3.1), so even one
    /// connection too many moves p95 and a load test finds the knee at the profile's number.
    /// </summary>
    public TimeSpan OverloadStepDelay { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// Delay added per percent of overload. Default 20 ms: 10 % over → 250 ms, 50 % over → 1.05 s, twice the
    /// supported connections → 2.05 s.
    /// </summary>
    public TimeSpan DelayPerOverloadPercent { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// The most delay added to one request. Default 30 s (reached at about 16 times the supported connections):
    /// below the request timeouts of clients and load generators, so overload shows as latency, not errors.
    /// </summary>
    public TimeSpan MaxAddedDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The delay a request gets with <paramref name="activeConnections"/> open on an instance supporting <paramref name="supportedConnections"/>.</summary>
    public TimeSpan AddedDelayFor(int activeConnections, int supportedConnections) =>
        AddedDelay(activeConnections, supportedConnections, OverloadStepDelay, DelayPerOverloadPercent, MaxAddedDelay);

    /// <summary>The delay formula, as a pure function.</summary>
    public static TimeSpan AddedDelay(int activeConnections, int supportedConnections, TimeSpan stepDelay, TimeSpan delayPerOverloadPercent, TimeSpan maxAddedDelay)
    {
        if (activeConnections <= supportedConnections || supportedConnections <= 0)
        {
            return TimeSpan.Zero;
        }

        var overloadPercent = (activeConnections - supportedConnections) * 100.0 / supportedConnections;
        var ticks = stepDelay.Ticks + (delayPerOverloadPercent.Ticks * overloadPercent);
        return ticks >= maxAddedDelay.Ticks ? maxAddedDelay : TimeSpan.FromTicks((long)ticks);
    }

    /// <summary>Every problem with these options at once; empty when they are usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!VmSizeProfiles.TryGet(VmSize, out _))
        {
            errors.Add($"VM size '{VmSize}' is not one of the CMG's VM sizes: {VmSizeProfiles.Names}.");
        }

        if (!Enum.IsDefined(OverloadMode))
        {
            errors.Add($"OverloadMode {OverloadMode} is neither Delay nor Refuse.");
        }

        if (OverloadStepDelay < TimeSpan.Zero)
        {
            errors.Add($"OverloadStepDelay ({OverloadStepDelay}) must not be negative.");
        }

        if (DelayPerOverloadPercent < TimeSpan.Zero)
        {
            errors.Add($"DelayPerOverloadPercent ({DelayPerOverloadPercent}) must not be negative.");
        }

        if (MaxAddedDelay < OverloadStepDelay)
        {
            errors.Add($"MaxAddedDelay ({MaxAddedDelay}) must be at least OverloadStepDelay ({OverloadStepDelay}).");
        }

        return errors;
    }
}
