using System.Net;
using System.Security.Cryptography.X509Certificates;
using CmgSim.CloudService.Capacity;
using CmgSim.CloudService.Hosting;
using CmgSim.ConnectionPoint.Hosting;
using CmgSim.Core;
using CmgSim.Core.Topology;
using CmgSim.Identity.Entra;
using CmgSim.Identity.Pki;
using CmgSim.Identity.SiteTokens;
using CmgSim.Topology.Roles;
using Microsoft.Extensions.Logging;

namespace CmgSim.Topology;

/// <summary>
/// A whole simulated CMG traffic path in one process: the site roles (MP, SUP), the VM instances of the
/// cloud service and the connection points, each its own host on its own loopback ports.
/// </summary>
public sealed partial class LabTopology : IAsyncDisposable
{
    private readonly TopologyOptions _options;
    private readonly RoleLabSettings _lab;
    private readonly ILoggerFactory _loggerFactory;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;

    // Serializes changes to the VM instance list (scale out and in) and connection point starts.
    private readonly SemaphoreSlim _scaleGate = new(1, 1);
    private volatile VmInstanceSlot[] _instances = [];
    private readonly ConnectionPointHost?[] _connectionPoints;
    private readonly X509Certificate2[] _connectionPointCertificates;
    private SiteRoleInstance? _managementPoint;
    private SiteRoleInstance? _softwareUpdatePoint;
    private IPEndPoint? _managementPointEndpoint;
    private Uri? _managementPointUrl;
    private Uri? _softwareUpdatePointUrl;
    private int _publicPort;
    private EntraTrust? _entraTrust;
    private SiteTokenMaterial? _siteTokens;

    private LabTopology(TopologyOptions options, RoleLabSettings lab, LabPki pki, ILoggerFactory loggerFactory, TimeProvider timeProvider)
    {
        _options = options;
        _lab = lab;
        Pki = pki;
        Layout = lab.Layout;
        _loggerFactory = loggerFactory;
        _timeProvider = timeProvider;
        _logger = loggerFactory.CreateLogger<LabTopology>();
        _connectionPoints = new ConnectionPointHost?[options.ConnectionPoints];
        _connectionPointCertificates = new X509Certificate2[options.ConnectionPoints];
    }

    public LabPki Pki { get; }

    public LabLayout Layout { get; }

    /// <summary>The topology.json contract, written once every role is ready.</summary>
    public TopologyDocument Document { get; private set; } = null!;

    /// <summary>The running VM instances, in instance-number order (<c>ProxyService_IN_0</c> first).</summary>
    public IReadOnlyList<VmInstanceHost> Instances => _instances.Select(static i => i.Host).ToArray();

    /// <summary>The local Microsoft Entra tenant; null when <see cref="TopologyOptions.EnableEntra"/> is off.</summary>
    public EntraTenantHost? Entra { get; private set; }

    /// <summary>The site token service; null when <see cref="TopologyOptions.EnableSiteTokens"/> is off.</summary>
    public SiteTokenService? SiteTokens => _siteTokens?.Service;

    /// <summary>The bulk registration tokens the site issued (their GUIDs and state, in site.db).</summary>
    public BulkRegistrationTokenStore? BulkTokens => _siteTokens?.BulkTokens;

    public Guid HierarchyId => _siteTokens?.HierarchyId ?? Guid.Empty;

    public IReadOnlyList<ConnectionPointHost?> ConnectionPoints => _connectionPoints;

    public Uri PublicUrl => new(Document.PublicUrl);

    public Uri ManagementPointUrl => _managementPointUrl!;

    /// <summary>
    /// The management point's IIS log (W3C, <c>u_exYYMMDD.log</c>): what reached the MP, with the CCM headers,
    /// the first thing to read when a client request through the CMG does not arrive (cmg-facts §8.5).
    /// </summary>
    public string ManagementPointIisLogDirectory => ManagementPointRole.IisLogDirectory(Layout);

    public static async Task<LabTopology> StartAsync(TopologyOptions options, ILoggerFactory loggerFactory, TimeProvider? timeProvider = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new TopologyOptionsException(errors);
        }

        timeProvider ??= TimeProvider.System;
        var lab = RoleLabSettings.From(options);
        var topology = new LabTopology(options, lab, lab.LoadPki(timeProvider), loggerFactory, timeProvider);
        try
        {
            await topology.StartRolesAsync(cancellationToken);
            return topology;
        }
        catch
        {
            await topology.DisposeAsync();
            throw;
        }
    }

    private async Task StartRolesAsync(CancellationToken cancellationToken)
    {
        await StartTokenServicesAsync(cancellationToken);

        // SUP, then the VM instances (the MP hands out the CMG's URL), then the MP, then the connection points.
        _softwareUpdatePoint = await SoftwareUpdatePointRole.StartAsync(new SoftwareUpdatePointRoleSettings
        {
            Endpoint = new IPEndPoint(IPAddress.Loopback, _options.SoftwareUpdatePointPort),
            Pki = Pki,
            LoggerFactory = _loggerFactory,
            TimeProvider = _timeProvider,
            ShutdownTimeout = _options.ShutdownTimeout,
        }, cancellationToken);
        _softwareUpdatePointUrl = _softwareUpdatePoint.Url;

        _publicPort = _options.PublicPort;
        for (var number = 0; number < _options.Instances; number++)
        {
            var instance = await StartVmInstanceAsync(number, cancellationToken);
            _instances = [.. _instances, new VmInstanceSlot(number, instance)];

            // Instance 0 may have picked the public port; the others share it.
            _publicPort = instance.PublicPort;
        }

        _managementPointEndpoint = new IPEndPoint(IPAddress.Loopback, _options.ManagementPointPort);
        await StartManagementPointAsync(cancellationToken);
        _managementPointEndpoint = new IPEndPoint(IPAddress.Loopback, _managementPoint!.Url.Port);

        for (var i = 0; i < _options.ConnectionPoints; i++)
        {
            _connectionPointCertificates[i] = ConnectionPointRole.LoadCertificate(Pki, i + 1, _timeProvider);
            await StartConnectionPointAsync(i, cancellationToken);
        }

        await WaitForChannelsAsync(_options.ReadyTimeout, cancellationToken);
        Document = BuildDocument(_publicPort);
        await Document.SaveAsync(Layout.TopologyFile, cancellationToken);
        Log.Ready(_logger, Document.PublicUrl, _instances.Length, _options.ConnectionPoints);
    }

    /// <summary>Starts VM instance <c>ProxyService_IN_&lt;number&gt;</c> on the shared public port and channel port base + number.</summary>
    private Task<VmInstanceHost> StartVmInstanceAsync(int number, CancellationToken cancellationToken) => VmInstanceRole.StartAsync(new VmInstanceRoleSettings
    {
        // The role counts instances from 1 (ProxyService_IN_0 is instance 1).
        InstanceNumber = number + 1,
        Lab = _lab,
        Pki = Pki,
        PublicEndpoint = new IPEndPoint(IPAddress.Loopback, _publicPort),
        InstanceEndpoint = new IPEndPoint(IPAddress.Loopback, 0),
        ChannelEndpoint = new IPEndPoint(IPAddress.Loopback, _options.ChannelPortBase == 0 ? 0 : _options.ChannelPortBase + number),
        VerifyClientCertificateRevocation = _options.VerifyClientCertificateRevocation,
        SiteTokens = _siteTokens,
        Entra = _entraTrust,
        StatisticsInterval = _options.StatisticsInterval,
        IdleChannelTimeout = _options.IdleChannelTimeout,
        ConfigureCloudService = cloud => _options.ApplyCapacity(cloud.Capacity),
        LoggerFactory = _loggerFactory,
        TimeProvider = _timeProvider,
        ShutdownTimeout = _options.ShutdownTimeout,
    }, cancellationToken);

    /// <summary>
    /// Scales the CMG out by one VM instance (at most 16), as changing the VM instance count in the CMG's
    /// properties does: the new instance (the lowest free <c>ProxyService_IN_n</c>) shares the public port, every
    /// connection point dials it, and once they all hold a channel to it <c>topology.json</c> is rewritten.
    /// </summary>
    public async Task<VmInstanceHost> AddVmInstanceAsync(CancellationToken cancellationToken = default)
    {
        await _scaleGate.WaitAsync(cancellationToken);
        try
        {
            var slots = _instances;
            if (slots.Length >= TopologyOptions.MaxInstances)
            {
                throw new InvalidOperationException($"The CMG already has {slots.Length} VM instances; a CMG has at most {TopologyOptions.MaxInstances}.");
            }

            var number = Enumerable.Range(0, TopologyOptions.MaxInstances).First(n => slots.All(s => s.Number != n));
            var instance = await StartVmInstanceAsync(number, cancellationToken);
            _instances = [.. slots.Append(new VmInstanceSlot(number, instance)).OrderBy(static s => s.Number)];
            foreach (var connectionPoint in _connectionPoints)
            {
                connectionPoint?.AddVmInstance(instance.ChannelUrl);
            }

            await WaitForChannelsAsync(_options.ReadyTimeout, cancellationToken);
            await SaveDocumentAsync(cancellationToken);
            Log.InstanceAdded(_logger, instance.Name, _instances.Length);
            return instance;
        }
        finally
        {
            _scaleGate.Release();
        }
    }

    /// <summary>
    /// Scales the CMG in: removes VM instance <c>ProxyService_IN_&lt;number&gt;</c> (at least one stays). The
    /// connection points stop dialing it while it drains its requests in flight and closes its clients'
    /// connections; those clients reconnect through the public port to a remaining instance. Rewrites <c>topology.json</c>.
    /// </summary>
    /// <param name="number">The instance number, as in its name (<c>ProxyService_IN_1</c> → 1).</param>
    public async Task RemoveVmInstanceAsync(int number, CancellationToken cancellationToken = default)
    {
        await _scaleGate.WaitAsync(cancellationToken);
        try
        {
            var slots = _instances;
            var slot = slots.FirstOrDefault(s => s.Number == number)
                ?? throw new ArgumentOutOfRangeException(nameof(number), number, $"No VM instance ProxyService_IN_{number} is running.");
            if (slots.Length == 1)
            {
                throw new InvalidOperationException("A CMG keeps at least one VM instance.");
            }

            _instances = [.. slots.Where(s => s != slot)];
            var stopped = _connectionPoints.Where(static c => c is not null).Select(c => (Task)c!.RemoveVmInstanceAsync(slot.Host.ChannelUrl)).ToList();
            stopped.Add(slot.Host.DisposeAsync().AsTask());
            await Task.WhenAll(stopped);
            await SaveDocumentAsync(cancellationToken);
            Log.InstanceRemoved(_logger, slot.Host.Name, _instances.Length);
        }
        finally
        {
            _scaleGate.Release();
        }
    }

    private async Task SaveDocumentAsync(CancellationToken cancellationToken)
    {
        Document = BuildDocument(_publicPort);
        await Document.SaveAsync(Layout.TopologyFile, cancellationToken);
    }

    /// <summary>The local Entra tenant (its own HTTPS host) and the site token service, before any role that validates tokens.</summary>
    private async Task StartTokenServicesAsync(CancellationToken cancellationToken)
    {
        if (_options.EnableEntra)
        {
            Entra = await EntraRole.StartAsync(new EntraRoleSettings
            {
                Endpoint = new IPEndPoint(IPAddress.Loopback, _options.EntraPort),
                Pki = Pki,
                Layout = Layout,
                LoggerFactory = _loggerFactory,
                TimeProvider = _timeProvider,
                ShutdownTimeout = _options.ShutdownTimeout,
            }, cancellationToken);
            _entraTrust = EntraTrust.For(Entra);
        }

        if (_options.EnableSiteTokens)
        {
            _siteTokens = SiteTokenMaterial.Load(Layout, _options.SiteCode, _timeProvider);
        }
    }

    /// <summary>Starts (or restarts) connection point <paramref name="index"/> (0-based).</summary>
    public async Task StartConnectionPointAsync(int index, CancellationToken cancellationToken = default)
    {
        // Not while the VM instance list changes, so the connection point dials every instance.
        await _scaleGate.WaitAsync(cancellationToken);
        try
        {
            await StartConnectionPointCoreAsync(index, cancellationToken);
        }
        finally
        {
            _scaleGate.Release();
        }
    }

    private async Task StartConnectionPointCoreAsync(int index, CancellationToken cancellationToken)
    {
        if (_connectionPoints[index] is not null)
        {
            throw new InvalidOperationException($"Connection point {index} is already running.");
        }

        _connectionPoints[index] = await ConnectionPointRole.StartAsync(new ConnectionPointRoleSettings
        {
            // The role counts connection points from 1 (CMGCP01.contoso.com).
            Number = index + 1,
            Lab = _lab,
            Pki = Pki,
            Certificate = _connectionPointCertificates[index],
            VmInstanceChannelUrls = _instances.Select(static i => i.Host.ChannelUrl).ToArray(),
            ManagementPointUrl = _managementPointUrl!,
            SoftwareUpdatePointUrl = _softwareUpdatePointUrl!,
            SiteTokens = _siteTokens,
            Entra = _entraTrust,
            ChannelsPerInstance = _options.ChannelsPerInstance,
            ChannelCheckInterval = _options.ChannelCheckInterval,
            ReconnectDelay = _options.ReconnectDelay,
            MaxReconnectDelay = _options.MaxReconnectDelay,
            ChannelKeepAliveTimeout = _options.ChannelKeepAliveTimeout,
            SiteRoleTimeout = _options.SiteRoleTimeout,
            SiteRoleBreakDuration = _options.SiteRoleBreakDuration,
            SiteRolePortBudget = _options.SiteRolePortBudget,
            LoggerFactory = _loggerFactory,
            TimeProvider = _timeProvider,
            ShutdownTimeout = _options.ShutdownTimeout,
        }, cancellationToken);
    }

    /// <summary>
    /// Stops connection point <paramref name="index"/> (0-based): its channels drain and close; with
    /// <paramref name="kill"/> they are cut at once, requests in flight on them fail, as when its server dies.
    /// </summary>
    public async Task StopConnectionPointAsync(int index, bool kill = false)
    {
        if (_connectionPoints[index] is { } host)
        {
            _connectionPoints[index] = null;
            if (kill)
            {
                // A cancelled token makes Kestrel abort every connection instead of draining them.
                await host.StopAsync(new CancellationToken(canceled: true));
            }

            await host.DisposeAsync();
        }
    }

    /// <summary>Starts the management point, on the same port as before when it is restarted.</summary>
    public async Task StartManagementPointAsync(CancellationToken cancellationToken = default)
    {
        if (_managementPoint is not null)
        {
            throw new InvalidOperationException("The management point is already running.");
        }

        _managementPoint = await ManagementPointRole.StartAsync(new ManagementPointRoleSettings
        {
            Endpoint = _managementPointEndpoint!,
            Lab = _lab,
            Pki = Pki,
            CmgPublicPort = _publicPort,
            SoftwareUpdatePointUrl = _softwareUpdatePointUrl!,
            SiteTokens = _siteTokens,
            Entra = _entraTrust,
            IisLogHeaders = [.. _options.ManagementPointIisLogHeaders],
            LoggerFactory = _loggerFactory,
            TimeProvider = _timeProvider,
            ShutdownTimeout = _options.ShutdownTimeout,
        }, cancellationToken);
        _managementPointUrl = _managementPoint.Url;
    }

    public async Task StopManagementPointAsync()
    {
        if (_managementPoint is { } host)
        {
            _managementPoint = null;
            await host.DisposeAsync();
        }
    }

    /// <summary>Waits until every running connection point holds at least one channel to every VM instance.</summary>
    public async Task WaitForChannelsAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var started = _timeProvider.GetTimestamp();
        while (!AllConnected())
        {
            if (_timeProvider.GetElapsedTime(started) > timeout)
            {
                var state = string.Join("; ", _connectionPoints.Where(static c => c is not null).SelectMany(static c => c!.Channels.Instances.Select(i =>
                    $"{c.Name} → {i.ChannelUrl}: {i.OpenChannels} open, {i.Reconnects} retries{(i.RejectedReason is null ? string.Empty : ", refused: " + i.RejectedReason)}")));
                throw new TimeoutException($"Connection points did not connect to every VM instance within {timeout}: {state}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(25), _timeProvider, cancellationToken);
        }
    }

    private bool AllConnected() =>
        _instances.Select(static i => i.Host).All(instance => _connectionPoints.Where(static c => c is not null).All(cp =>
            instance.Channels.ConnectionPoints.Any(channels => string.Equals(channels.Name, cp!.Name, StringComparison.OrdinalIgnoreCase) && channels.IsConnected)));

    private TopologyDocument BuildDocument(int publicPort) => new TopologyDocumentBuilder
    {
        Lab = _lab,
        Pki = Pki,
        PublicUrl = new Uri($"https://127.0.0.1:{publicPort}"),
        VmSize = VmSizeProfiles.TryGet(_options.VmSize, out var profile) ? profile.Name : _options.VmSize,
        Instances = _instances.Select(static i => TopologyDocumentBuilder.Instance(i.Host.Name, i.Host.InstanceUrl, i.Host.ChannelUrl, i.Host.StatusUrl)).ToArray(),
        ConnectionPoints = _connectionPoints.Where(static c => c is not null).Select(c => new ConnectionPointEntry { Name = c!.Name, SiteCode = _options.SiteCode, HealthUrl = c.HealthUrl.AbsoluteUri.TrimEnd('/') }).ToArray(),
        ManagementPointUrl = _managementPointUrl!,
        SoftwareUpdatePointUrl = _softwareUpdatePointUrl!,
        Entra = _entraTrust,
        SiteTokens = _siteTokens is { } site ? (site.HierarchyId, site.SigningCertificatePemPath) : null,
    }.Build();

    public async ValueTask DisposeAsync()
    {
        // Stop in the order the product would lose them: clients' side first, then the site.
        await Task.WhenAll(_connectionPoints.Select((_, i) => StopConnectionPointAsync(i)));

        // Connection point 1's certificate belongs to the PKI; the others' were issued for this lab.
        foreach (var certificate in _connectionPointCertificates.Skip(1))
        {
            certificate?.Dispose();
        }

        foreach (var instance in _instances)
        {
            await instance.Host.DisposeAsync();
        }

        _instances = [];
        await StopManagementPointAsync();
        if (_softwareUpdatePoint is not null)
        {
            await _softwareUpdatePoint.DisposeAsync();
            _softwareUpdatePoint = null;
        }

        if (Entra is not null)
        {
            await Entra.DisposeAsync();
            Entra = null;
        }

        _siteTokens?.Dispose();

        Pki.Dispose();
        _scaleGate.Dispose();
    }

    /// <summary>A running VM instance and its number (<c>ProxyService_IN_&lt;number&gt;</c>, channel port base + number).</summary>
    private sealed record VmInstanceSlot(int Number, VmInstanceHost Host);

    private static partial class Log
    {
        [LoggerMessage(EventId = 6001, Level = LogLevel.Information, Message = "CMG ready at {PublicUrl} with {Instances} VM instance(s) and {ConnectionPoints} connection point(s)")]
        public static partial void Ready(ILogger logger, string publicUrl, int instances, int connectionPoints);

        [LoggerMessage(EventId = 6002, Level = LogLevel.Information, Message = "VM instance {Instance} added: every connection point holds a channel to it; {Instances} VM instance(s)")]
        public static partial void InstanceAdded(ILogger logger, string instance, int instances);

        [LoggerMessage(EventId = 6003, Level = LogLevel.Information, Message = "VM instance {Instance} removed; {Instances} VM instance(s) left")]
        public static partial void InstanceRemoved(ILogger logger, string instance, int instances);
    }
}
