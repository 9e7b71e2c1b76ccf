using System.Diagnostics.Metrics;
using System.Globalization;
using CmgSim.Core.Telemetry;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace CmgSim.CloudService.Capacity;

/// <summary>
/// Counts one VM instance's live client connections against its size profile and says what an overloaded
/// instance does to a request (<see cref="CapacityOptions"/>). Lock-free: a connection costs two interlocked
/// operations, a request within capacity one volatile read.
/// </summary>
internal sealed partial class VmCapacity
{
    private readonly CapacityOptions _options;
    private readonly int _supported;
    private readonly ILogger _logger;
    private readonly Histogram<double> _addedDelay;
    private readonly KeyValuePair<string, object?> _instanceTag;
    private int _active;
    private int _peak;
    private int _overloaded;
    private long _requests;

    public VmCapacity(IOptions<CloudServiceOptions> options, IMeterFactory meterFactory, ILogger<VmCapacity> logger)
    {
        var cloud = options.Value;
        _options = cloud.Capacity;
        if (!VmSizeProfiles.TryGet(_options.VmSize, out var profile))
        {
            throw new InvalidOperationException($"VM size '{_options.VmSize}' is not one of the CMG's VM sizes: {VmSizeProfiles.Names}.");
        }

        Profile = profile;
        _supported = profile.SupportedConnections;
        InstanceName = cloud.InstanceName;
        InstanceHeaderValue = new StringValues(cloud.InstanceName);
        _logger = logger;
        _instanceTag = new(CmgSimTelemetry.VmInstanceTag, cloud.InstanceName);
        var meter = meterFactory.Create(CmgSimTelemetry.CloudServiceSource);
        meter.CreateObservableUpDownCounter(
            CmgSimTelemetry.CloudActiveConnectionsInstrument,
            () => new Measurement<int>(ActiveConnections, _instanceTag),
            "{connection}",
            "Client connections open on the VM instance's public and instance listeners.");
        meter.CreateObservableGauge(
            CmgSimTelemetry.CloudSupportedConnectionsInstrument,
            () => new Measurement<int>(_supported, _instanceTag),
            "{connection}",
            "Client connections the VM instance's size supports.");
        _addedDelay = meter.CreateHistogram<double>(
            CmgSimTelemetry.CloudAddedDelayInstrument,
            "ms",
            "Delay an overloaded VM instance added to a client request.");
    }

    public VmSizeProfile Profile { get; }

    public string InstanceName { get; }

    public StringValues InstanceHeaderValue { get; }

    public OverloadMode Mode => _options.OverloadMode;

    public int SupportedConnections => _supported;

    public int ActiveConnections => Volatile.Read(ref _active);

    public bool IsOverloaded => Volatile.Read(ref _active) > _supported;

    /// <summary>The delay a client request gets now; zero within capacity and in refuse mode.</summary>
    public TimeSpan CurrentAddedDelay => _options.OverloadMode == OverloadMode.Delay ? _options.AddedDelayFor(Volatile.Read(ref _active), _supported) : TimeSpan.Zero;

    /// <summary>Counts a client connection for as long as <paramref name="next"/> serves it (Kestrel connection middleware).</summary>
    public async Task OnConnectionAsync(ConnectionContext connection, ConnectionDelegate next)
    {
        var client = Opened();
        connection.Features.Set(client);
        try
        {
            await next(connection);
        }
        finally
        {
            client.Release();
        }
    }

    public VmClientConnection Opened()
    {
        var active = Interlocked.Increment(ref _active);
        int peak;
        while (active > (peak = Volatile.Read(ref _peak)) && Interlocked.CompareExchange(ref _peak, active, peak) != peak)
        {
        }

        if (active > _supported && Volatile.Read(ref _overloaded) == 0)
        {
            UpdateOverloadState();
        }

        return new VmClientConnection(this, active > _supported);
    }

    public void Closed()
    {
        var active = Interlocked.Decrement(ref _active);
        if (active <= _supported && Volatile.Read(ref _overloaded) != 0)
        {
            UpdateOverloadState();
        }
    }

    public void CountRequest() => Interlocked.Increment(ref _requests);

    public void RecordAddedDelay(TimeSpan delay) => _addedDelay.Record(delay.TotalMilliseconds, _instanceTag);

    /// <summary>Why a request on a connection past the limit is refused, in the words of the log line.</summary>
    public string OverCapacityReason() =>
        string.Create(CultureInfo.InvariantCulture, $"VM instance {InstanceName} over capacity ({ActiveConnections} of {_supported} client connections)");

    public VmInstanceStatus GetStatus()
    {
        var active = Volatile.Read(ref _active);
        return new VmInstanceStatus(
            InstanceName,
            Profile.Name,
            _supported,
            active,
            Volatile.Read(ref _peak),
            Interlocked.Read(ref _requests),
            (long)CurrentAddedDelay.TotalMilliseconds,
            active > _supported,
            Profile.AzureSize,
            _options.OverloadMode);
    }

    /// <summary>
    /// Logs each crossing of the limit once, up and down. Whoever flips the state reads the count again after,
    /// so concurrent opens and closes around the limit always leave the state matching the count.
    /// </summary>
    private void UpdateOverloadState()
    {
        while (true)
        {
            var active = Volatile.Read(ref _active);
            var over = active > _supported ? 1 : 0;
            var state = Volatile.Read(ref _overloaded);
            if (state == over)
            {
                return;
            }

            if (Interlocked.CompareExchange(ref _overloaded, over, state) != state)
            {
                continue;
            }

            if (over == 1)
            {
                var effect = _options.OverloadMode == OverloadMode.Refuse
                    ? "requests on client connections past the limit are refused with 503 CMGConnector_ServiceUnavailable"
                    : string.Create(CultureInfo.InvariantCulture, $"it keeps serving, each client request delayed by {(long)_options.AddedDelayFor(active, _supported).TotalMilliseconds} ms or more as the overload grows");
                Log.OverCapacity(_logger, InstanceName, active, _supported, Profile.Name, Profile.AzureSize, effect);
            }
            else
            {
                Log.BackWithinCapacity(_logger, InstanceName, active, _supported);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1201, Level = LogLevel.Warning, Message = "VM instance {Instance} over capacity ({Active} of {Supported} client connections; VM size {Profile}, {AzureSize}): {Effect}")]
        public static partial void OverCapacity(ILogger logger, string instance, int active, int supported, string profile, string azureSize, string effect);

        [LoggerMessage(EventId = 1202, Level = LogLevel.Information, Message = "VM instance {Instance} back within capacity ({Active} of {Supported} client connections)")]
        public static partial void BackWithinCapacity(ILogger logger, string instance, int active, int supported);
    }
}
