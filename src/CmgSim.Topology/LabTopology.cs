using System.Globalization;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using CmgSim.CloudService;
using CmgSim.CloudService.Capacity;
using CmgSim.CloudService.ClientAuthentication;
using CmgSim.CloudService.Hosting;
using CmgSim.ConnectionPoint;
using CmgSim.ConnectionPoint.Forwarding;
using CmgSim.ConnectionPoint.Hosting;
using CmgSim.Core;
using CmgSim.Core.Topology;
using CmgSim.CloudService.TokenAuthentication;
using CmgSim.Core.Security;
using CmgSim.Identity.Certificates;
using CmgSim.Identity.Entra;
using CmgSim.Identity.Pki;
using CmgSim.Identity.SiteTokens;
using CmgSim.Identity.Tokens;
using CmgSim.ManagementPoint.SecurityTokenService;
using CmgSim.ManagementPoint;
using CmgSim.ManagementPoint.LocationManager;
using CmgSim.SoftwareUpdatePoint;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CmgSim.Topology;

/// <summary>
/// A whole simulated CMG traffic path in one process: the site roles (MP, SUP), the VM instances of the
/// cloud service and the connection points, each its own host on its own loopback ports.
/// </summary>
public sealed partial class LabTopology : IAsyncDisposable
{
    private readonly TopologyOptions _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;

    // Serializes changes to the VM instance list (scale out and in) and connection point starts.
    private readonly SemaphoreSlim _scaleGate = new(1, 1);
    private volatile VmInstanceSlot[] _instances = [];
    private CloudCertificateValidators? _validators;
    private readonly ConnectionPointHost?[] _connectionPoints;
    private readonly X509Certificate2[] _connectionPointCertificates;
    private SiteRoleHost? _managementPoint;
    private SiteRoleHost? _softwareUpdatePoint;
    private IPEndPoint? _managementPointEndpoint;
    private Uri? _managementPointUrl;
    private Uri? _softwareUpdatePointUrl;
    private int _publicPort;
    private EntraTenantOptions? _entraOptions;
    private X509Certificate2? _tokenSigningCertificate;
    private CachedBulkTokenBlockList? _blockList;

    private LabTopology(TopologyOptions options, LabPki pki, LabLayout layout, ILoggerFactory loggerFactory, TimeProvider timeProvider)
    {
        _options = options;
        Pki = pki;
        Layout = layout;
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
    public SiteTokenService? SiteTokens { get; private set; }

    /// <summary>The bulk registration tokens the site issued (their GUIDs and state, in site.db).</summary>
    public BulkRegistrationTokenStore? BulkTokens { get; private set; }

    public Guid HierarchyId { get; private set; }

    public IReadOnlyList<ConnectionPointHost?> ConnectionPoints => _connectionPoints;

    public Uri PublicUrl => new(Document.PublicUrl);

    public Uri ManagementPointUrl => _managementPointUrl!;

    /// <summary>
    /// The management point's IIS log (W3C, <c>u_exYYMMDD.log</c>): what reached the MP, with the CCM headers,
    /// the first thing to read when a client request through the CMG does not arrive (cmg-facts §8.5).
    /// </summary>
    public string ManagementPointIisLogDirectory => Path.Combine(Layout.LogsDirectory, "IIS");

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
        var layout = new LabLayout(options.LabDirectory);
        Directory.CreateDirectory(layout.Root);
        Directory.CreateDirectory(layout.LogsDirectory);
        var pki = LabPki.LoadOrCreate(layout.PkiDirectory, new LabPkiOptions
        {
            ServiceName = options.ServiceName,
            SiteCode = options.SiteCode,
            KeyAlgorithm = options.KeyAlgorithm,
            ClientCount = options.ClientCount,
            SiteSystemName = options.ManagementPointFqdn,
        }, timeProvider);

        var topology = new LabTopology(options, pki, layout, loggerFactory, timeProvider);
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
        _softwareUpdatePoint = await SiteRoleHost.StartAsync(
            new IPEndPoint(IPAddress.Loopback, _options.SoftwareUpdatePointPort),
            Pki.SiteSystemCertificate,
            Pki.GetIntermediates(),
            static services => services.AddSoftwareUpdatePoint(),
            static endpoints => endpoints.MapSoftwareUpdatePoint(),
            _loggerFactory,
            _timeProvider,
            _options.ShutdownTimeout,
            iisLog: null,
            cancellationToken);
        _softwareUpdatePointUrl = _softwareUpdatePoint.Url;

        _validators = new CloudCertificateValidators(CreateValidator(), CreateValidator());
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
            _connectionPointCertificates[i] = i == 0
                ? Pki.ConnectionPointCertificate
                : Pki.IssueClientCertificate(ConnectionPointName(i), _timeProvider.GetUtcNow().AddDays(-1), _timeProvider.GetUtcNow().AddYears(1)).Certificate;
            await StartConnectionPointAsync(i, cancellationToken);
        }

        await WaitForChannelsAsync(_options.ReadyTimeout, cancellationToken);
        Document = BuildDocument(_publicPort);
        await Document.SaveAsync(Layout.TopologyFile, cancellationToken);
        Log.Ready(_logger, Document.PublicUrl, _instances.Length, _options.ConnectionPoints);
    }

    /// <summary>Starts VM instance <c>ProxyService_IN_&lt;number&gt;</c> on the shared public port and channel port base + number.</summary>
    private Task<VmInstanceHost> StartVmInstanceAsync(int number, CancellationToken cancellationToken) => VmInstanceHost.StartAsync(new VmInstanceHostSettings
    {
        PublicEndpoint = new IPEndPoint(IPAddress.Loopback, _publicPort),
        InstanceEndpoint = new IPEndPoint(IPAddress.Loopback, 0),
        ChannelEndpoint = new IPEndPoint(IPAddress.Loopback, _options.ChannelPortBase == 0 ? 0 : _options.ChannelPortBase + number),
        ServerCertificate = Pki.ServerCertificate,
        ServerCertificateChain = Pki.GetIntermediates(),
        Validators = _validators!,
        TokenAuthentication = CreateCloudTokenAuthentication(),
        Configure = ConfigureCloudService(number),
        ConfigureChannels = channels => channels.IdleChannelTimeout = _options.IdleChannelTimeout,
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

    private ClientCertificateValidator CreateValidator()
    {
        var options = Pki.CreateClientValidatorOptions();
        options.CheckRevocation = _options.VerifyClientCertificateRevocation;
        return new ClientCertificateValidator(options, _timeProvider, _loggerFactory.CreateLogger<ClientCertificateValidator>());
    }

    private Action<CloudServiceOptions> ConfigureCloudService(int number) => cloud =>
    {
        cloud.ServiceName = _options.ServiceName;
        cloud.InstanceName = "ProxyService_IN_" + number.ToString(CultureInfo.InvariantCulture);
        _options.ApplyCapacity(cloud.Capacity);
        cloud.VerifyClientCertificateRevocation = _options.VerifyClientCertificateRevocation;
        cloud.StatisticsInterval = _options.StatisticsInterval;
        cloud.PublishedEndpoints.Add(new PublishedEndpoint
        {
            EndpointId = _options.ManagementPointEndpointId,
            Kind = SiteRoleKind.ManagementPoint,
            SiteCode = _options.SiteCode,
            AllowedPathPrefixes = SiteRolePaths.ManagementPoint,
        });
        cloud.PublishedEndpoints.Add(new PublishedEndpoint
        {
            EndpointId = _options.SoftwareUpdatePointEndpointId,
            Kind = SiteRoleKind.SoftwareUpdatePoint,
            SiteCode = _options.SiteCode,
            AllowedPathPrefixes = SiteRolePaths.SoftwareUpdatePoint,
        });
    };

    private static string ConnectionPointName(int index) => $"CMGCP{index + 1:00}.contoso.com";

    /// <summary>The local Entra tenant (its own HTTPS host) and the site token service, before any role that validates tokens.</summary>
    private async Task StartTokenServicesAsync(CancellationToken cancellationToken)
    {
        if (_options.EnableEntra)
        {
            _entraOptions = EntraTenantOptions.CreateLabDefaults(Pki.Clients.Select(static c => c.Name));
            _entraOptions.KeyDirectory = Layout.EntraDirectory;
            Entra = await EntraTenantHost.StartAsync(new EntraTenantHostSettings
            {
                Endpoint = new IPEndPoint(IPAddress.Loopback, _options.EntraPort),
                ServerCertificate = Pki.ServerCertificate,
                ServerCertificateChain = Pki.GetIntermediates(),
                Options = _entraOptions,
                LoggerFactory = _loggerFactory,
                TimeProvider = _timeProvider,
                ShutdownTimeout = _options.ShutdownTimeout,
            }, cancellationToken);
        }

        if (_options.EnableSiteTokens)
        {
            _tokenSigningCertificate = SiteTokenSigningCertificate.LoadOrCreate(Layout.PkiDirectory, _options.SiteCode, _timeProvider);
            HierarchyId = SiteHierarchy.LoadOrCreateId(Layout.PkiDirectory);
            SiteTokens = new SiteTokenService(new SiteTokenServiceOptions { SigningCertificate = _tokenSigningCertificate, HierarchyId = HierarchyId }, _timeProvider);
            BulkTokens = new BulkRegistrationTokenStore(Layout.SiteDatabase, _timeProvider);
            _blockList = new CachedBulkTokenBlockList(BulkTokens, _timeProvider);
        }
    }

    /// <summary>The onboarded tenant: the lab's first Entra tenant (the second one stays un-onboarded on purpose).</summary>
    private EntraTenantDefinition? OnboardedTenant => _entraOptions?.Tenants[0];

    private static EntraAppRegistration ServerApp(EntraTenantDefinition tenant) => tenant.Applications.First(static a => a.AppIdUri is not null);

    private static EntraAppRegistration ClientApp(EntraTenantDefinition tenant) => tenant.Applications.First(static a => a.AllowPublicClientFlows);

    /// <summary>One validator per role (each logs to its own role's log), all trusting the same tenant and site.</summary>
    private BearerTokenValidator? CreateTokenValidator(string logCategory)
    {
        if (Entra is null && SiteTokens is null)
        {
            return null;
        }

        var options = new BearerTokenValidatorOptions
        {
            SiteTokenSigningCertificate = _tokenSigningCertificate is null ? null : X509CertificateLoader.LoadCertificate(_tokenSigningCertificate.RawData),
            HierarchyId = HierarchyId,
            BlockList = _blockList,
            MetadataHandler = new SocketsHttpHandler { SslOptions = LabServerCertificateValidation.CreateClientOptions(null, [Pki.RootCa]) },
        };
        if (Entra is not null && OnboardedTenant is { } tenant)
        {
            options.EntraAudience = ServerApp(tenant).AppIdUri!;
            options.Tenants.Add(new OnboardedTenant
            {
                TenantId = tenant.TenantId,
                Issuer = Entra.IssuerFor(tenant.TenantId),
                MetadataAddress = new Uri(Entra.IssuerFor(tenant.TenantId) + "/.well-known/openid-configuration"),
            });
        }

        return new BearerTokenValidator(options, _timeProvider, _loggerFactory.CreateLogger(logCategory));
    }

    private CloudTokenAuthentication? CreateCloudTokenAuthentication()
    {
        if (CreateTokenValidator(CmgSim.Core.Logging.CmTraceDefaults.CloudServiceCategory) is not { } validator)
        {
            return null;
        }

        var tenants = Entra is not null && OnboardedTenant is { } tenant
            ? new[] { new EntraOnboarding(tenant.TenantId, ClientApp(tenant).AppId, ServerApp(tenant).AppIdUri!) }
            : [];
        return new CloudTokenAuthentication(validator, tenants);
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

        var certificate = _connectionPointCertificates[index];
        var name = index == 0 ? certificate.GetNameInfo(X509NameType.SimpleName, false) : ConnectionPointName(index);
        _connectionPoints[index] = await ConnectionPointHost.StartAsync(new ConnectionPointHostSettings
        {
            ServiceName = _options.ServiceName,
            VmInstanceChannelUrls = _instances.Select(static i => i.Host.ChannelUrl).ToArray(),
            Configure = cp =>
            {
                cp.Name = name;
                cp.SiteCode = _options.SiteCode;
                cp.SiteRoleTimeout = _options.SiteRoleTimeout;
                cp.BreakDuration = _options.SiteRoleBreakDuration;
                cp.SiteRolePortBudget = _options.SiteRolePortBudget;
                cp.UrlMappings.Add(new UrlMapping { EndpointId = _options.ManagementPointEndpointId, Kind = SiteRoleKind.ManagementPoint, InternalUrl = _managementPointUrl!, Fqdn = _options.ManagementPointFqdn });
                cp.UrlMappings.Add(new UrlMapping { EndpointId = _options.SoftwareUpdatePointEndpointId, Kind = SiteRoleKind.SoftwareUpdatePoint, InternalUrl = _softwareUpdatePointUrl!, Fqdn = _options.ManagementPointFqdn });
            },
            ConfigureChannels = channels =>
            {
                channels.ClientCertificate = certificate;
                channels.TrustedRoots.Add(Pki.RootCa);
                channels.ChannelsPerInstance = _options.ChannelsPerInstance;
                channels.ChannelCheckInterval = _options.ChannelCheckInterval;
                channels.ReconnectDelay = _options.ReconnectDelay;
                channels.MaxReconnectDelay = _options.MaxReconnectDelay;
            },
            SiteRoleTls = new SiteRoleTlsSettings { ClientCertificate = certificate, TrustedRoots = [Pki.RootCa] },
            TokenValidator = CreateTokenValidator(CmgSim.Core.Logging.CmTraceDefaults.ConnectionPointCategory),
            KeepAliveTimeout = _options.ChannelKeepAliveTimeout,
            LoggerFactory = _loggerFactory,
            TimeProvider = _timeProvider,
            ShutdownTimeout = _options.ShutdownTimeout,
        }, cancellationToken);
    }

    /// <summary>Stops connection point <paramref name="index"/> (0-based): its channels drain and close.</summary>
    public async Task StopConnectionPointAsync(int index)
    {
        if (_connectionPoints[index] is { } host)
        {
            _connectionPoints[index] = null;
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

        _managementPoint = await SiteRoleHost.StartAsync(
            _managementPointEndpoint!,
            Pki.SiteSystemCertificate,
            Pki.GetIntermediates(),
            services =>
            {
                services.AddManagementPoint(mp =>
                {
                    mp.SiteCode = _options.SiteCode;
                    mp.Fqdn = _options.ManagementPointFqdn;
                    mp.SiteSigningCertificate = Pki.SiteSigningCertificate;
                    mp.SiteDatabasePath = Layout.SiteDatabase;
                });
                if (SiteTokens is not null && CreateTokenValidator(ManagementPointLogCategories.Sts) is { } validator)
                {
                    services.AddManagementPointTokenAuthentication(new ManagementPointTokenAuthentication(validator, SiteTokens));
                }

                services.Configure<LocationOptions>(location =>
                {
                    // Internet clients (requests that came through the CMG) get the CMG-based SUP URL.
                    location.CmgServiceName = _options.ServiceName;
                    location.CmgPublicPort = _publicPort;
                    location.SoftwareUpdatePointEndpointId = _options.SoftwareUpdatePointEndpointId;
                    location.SoftwareUpdatePointUrl = _softwareUpdatePointUrl;
                });
            },
            static endpoints => endpoints.MapManagementPoint(),
            _loggerFactory,
            _timeProvider,
            _options.ShutdownTimeout,
            new SiteRoleIisLog(ManagementPointIisLogDirectory, [.. _options.ManagementPointIisLogHeaders]),
            cancellationToken);
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

    private TopologyDocument BuildDocument(int publicPort) => new()
    {
        ServiceName = _options.ServiceName,
        PublicUrl = $"https://127.0.0.1:{publicPort}",
        SiteCode = _options.SiteCode,
        VmSize = VmSizeProfiles.TryGet(_options.VmSize, out var profile) ? profile.Name : _options.VmSize,
        Instances = _instances.Select(static i => new VmInstanceEntry
        {
            Name = i.Host.Name,
            Url = i.Host.InstanceUrl.AbsoluteUri.TrimEnd('/'),
            TunnelUrl = i.Host.ChannelUrl.AbsoluteUri.TrimEnd('/'),
            StatusUrl = i.Host.StatusUrl.AbsoluteUri,
        }).ToArray(),
        ConnectionPoints = _connectionPoints.Where(static c => c is not null).Select(c => new ConnectionPointEntry { Name = c!.Name, SiteCode = _options.SiteCode, HealthUrl = c.HealthUrl.AbsoluteUri.TrimEnd('/') }).ToArray(),
        Roles =
        [
            RoleEntry(SiteRoleKind.ManagementPoint, _options.ManagementPointEndpointId, _managementPointUrl!),
            RoleEntry(SiteRoleKind.SoftwareUpdatePoint, _options.SoftwareUpdatePointEndpointId, _softwareUpdatePointUrl!),
        ],
        Pki = new PkiEntry
        {
            RootCaPem = Pki.RootCaPemPath,
            IssuingCaPem = Pki.IssuingCaPemPath,
            CrlPath = Pki.CrlPath,
            ServerCertPem = Pki.ServerCertPemPath,
            Clients = Pki.Clients.Select(static c => new ClientCertificateEntry { Name = c.Name, CertPem = c.CertPemPath, KeyPem = c.KeyPemPath, Pfx = c.PfxPath }).ToArray(),
        },
        LogsDirectory = Layout.LogsDirectory,
        Entra = BuildEntraEntry(),
        SiteTokens = _tokenSigningCertificate is null ? null : new SiteTokensEntry
        {
            HierarchyId = HierarchyId,
            SigningCertificatePem = Path.Combine(Layout.PkiDirectory, SiteTokenSigningCertificate.PemFileName),
        },
    };

    private EntraEntry? BuildEntraEntry()
    {
        if (Entra is null || OnboardedTenant is not { } tenant)
        {
            return null;
        }

        return new EntraEntry
        {
            Authority = Entra.AuthorityFor(tenant.TenantId),
            TenantId = tenant.TenantId,
            ClientAppId = ClientApp(tenant).AppId,
            AppIdUri = ServerApp(tenant).AppIdUri!,
            Devices = tenant.Devices.Select((d, i) => new EntraDeviceEntry
            {
                Name = i < Pki.Clients.Count ? Pki.Clients[i].Name : d.DisplayName.ToLowerInvariant(),
                DeviceId = d.DeviceId,
                WpjPfx = EntraDeviceCertificates.PathFor(Layout.EntraDirectory, d.DisplayName),
            }).ToArray(),
            Users = tenant.Users.Select(static u => new EntraUserEntry { UserPrincipalName = u.UserPrincipalName, Password = u.Password, ObjectId = u.ObjectId }).ToArray(),
            NotOnboardedTenantId = _entraOptions!.Tenants.Count > 1 ? _entraOptions.Tenants[1].TenantId : null,
        };
    }

    private SiteRoleEntry RoleEntry(SiteRoleKind kind, long endpointId, Uri internalUrl) => new()
    {
        Kind = kind,
        EndpointId = endpointId,
        MutualAuthPath = CmgPaths.MutualAuthPath(endpointId),
        ServerAuthPath = CmgPaths.ServerAuthPath(endpointId),
        InternalUrl = internalUrl.AbsoluteUri.TrimEnd('/'),

        // The SUP is co-located with the MP on the site system, as in a default primary site.
        Fqdn = _options.ManagementPointFqdn,
    };

    public async ValueTask DisposeAsync()
    {
        // Stop in the order the product would lose them: clients' side first, then the site.
        await Task.WhenAll(_connectionPoints.Select((_, i) => StopConnectionPointAsync(i)));
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

        _tokenSigningCertificate?.Dispose();

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
