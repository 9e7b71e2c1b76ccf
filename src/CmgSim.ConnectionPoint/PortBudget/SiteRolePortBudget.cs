using System.Diagnostics.Metrics;
using CmgSim.Core.Telemetry;
using Microsoft.Extensions.Options;

namespace CmgSim.ConnectionPoint.PortBudget;

/// <summary>
/// The connection point's local ports toward the site roles (cmg-facts §4.5, §10.9): the product opens a TCP
/// connection to the MP for each client request it forwards, and every client's notification long-poll holds
/// one, so Windows' default dynamic port range (16,384) caps the clients one connection point serves.
/// Modelled as one port per forwarded request in flight (a held BGB poll included); lock-free.
/// </summary>
internal sealed class SiteRolePortBudget
{
    private readonly int _budget;
    private readonly Counter<long> _exhaustions;
    private readonly KeyValuePair<string, object?> _connectionPointTag;
    private int _inUse;
    private int _peak;

    public SiteRolePortBudget(IOptions<ConnectionPointOptions> options, IMeterFactory meterFactory)
    {
        _budget = options.Value.SiteRolePortBudget;
        _connectionPointTag = new(CmgSimTelemetry.ConnectionPointTag, options.Value.Name);
        var meter = meterFactory.Create(CmgSimTelemetry.ConnectionPointSource);
        meter.CreateObservableUpDownCounter(
            CmgSimTelemetry.ConnectionPointPortsInUseInstrument,
            () => new Measurement<int>(InUse, _connectionPointTag),
            "{port}",
            "Local ports the connection point holds toward the MP and SUP (forwarded requests in flight).");
        _exhaustions = meter.CreateCounter<long>(
            CmgSimTelemetry.ConnectionPointPortExhaustionsInstrument,
            "{request}",
            "Requests the connection point refused because its site-role port budget was used up.");
    }

    public int Budget => _budget;

    public int InUse => Volatile.Read(ref _inUse);

    /// <summary>Most ports in use at once since start.</summary>
    public int Peak => Volatile.Read(ref _peak);

    /// <summary>Takes a port for one forwarded request; false (and counted) when none is left.</summary>
    /// <param name="inUse">Ports in use after the attempt.</param>
    public bool TryAcquire(out int inUse)
    {
        inUse = Interlocked.Increment(ref _inUse);
        if (inUse > _budget)
        {
            inUse = Interlocked.Decrement(ref _inUse);
            _exhaustions.Add(1, _connectionPointTag);
            return false;
        }

        int peak;
        while (inUse > (peak = Volatile.Read(ref _peak)) && Interlocked.CompareExchange(ref _peak, inUse, peak) != peak)
        {
        }

        return true;
    }

    public void Release() => Interlocked.Decrement(ref _inUse);
}
