using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CmgSim.Client;
using CmgSim.Client.TokenAuthentication;
using CmgSim.CloudService.Capacity;
using CmgSim.Core;
using CmgSim.Core.Topology;
using CmgSim.Identity.SiteTokens;

namespace CmgSim.LoadTests.Scenarios;

/// <summary>
/// What every simulated client of a load scenario shares: the lab trust anchor, the lab client certificates,
/// a few signing keys (RSA key generation would dominate a ramp of thousands of clients), the CMG URLs, and for
/// token clients the bulk registration token or the lab's Entra devices.
/// </summary>
internal sealed class LoadClientFactory : IDisposable
{
    /// <summary>The most loopback source addresses: 127.0.0.1 to 127.0.0.254.</summary>
    public const int MaxSourceAddresses = 254;

    private readonly TopologyDocument _topology;
    private readonly X509Certificate2 _root;
    private readonly X509Certificate2 _issuing;
    private readonly X509Certificate2[] _clientCertificates;
    private readonly (RSA Key, X509Certificate2 Certificate)[] _signingKeys;
    private readonly Uri _publicUrl;
    private readonly string? _resolveName;
    private readonly Uri _mutualAuthMp;
    private readonly Uri _mutualAuthSup;
    private readonly Uri _serverAuthMp;
    private readonly Uri _serverAuthSup;
    private readonly Lazy<string> _bulkToken;
    private readonly Lazy<EntraDevices> _entra;
    private readonly int _sourceAddresses = 1;

    public LoadClientFactory(TopologyDocument topology, TimeProvider timeProvider, int signingKeys = 8)
    {
        _topology = topology;
        _root = X509Certificate2.CreateFromPem(File.ReadAllText(topology.Pki.RootCaPem));
        _issuing = X509Certificate2.CreateFromPem(File.ReadAllText(topology.Pki.IssuingCaPem));
        _clientCertificates = topology.Pki.Clients.Select(static c => TopologyClientFactory.LoadClientCertificate(c.CertPem, c.KeyPem)).ToArray();
        _signingKeys = Enumerable.Range(0, signingKeys).Select(_ =>
        {
            var identity = ClientIdentity.Create("KEYPOOL", timeProvider.GetUtcNow());
            return (identity.Key, identity.Certificate);
        }).ToArray();
        var publicUrl = new Uri(topology.PublicUrl);
        _publicUrl = new UriBuilder(publicUrl) { Host = topology.ServiceName }.Uri;
        _resolveName = topology.ServiceName;
        PublicAddress = new IPEndPoint(IPAddress.Parse(publicUrl.Host.Trim('[', ']')), publicUrl.Port);
        InstanceAddresses = topology.Instances
            .Select(static i => new Uri(i.Url))
            .Select(static u => new IPEndPoint(IPAddress.Parse(u.Host.Trim('[', ']')), u.Port))
            .ToArray();
        var mp = topology.Roles.First(static r => r.Kind == SiteRoleKind.ManagementPoint);
        var sup = topology.Roles.First(static r => r.Kind == SiteRoleKind.SoftwareUpdatePoint);
        _mutualAuthMp = Combine(mp.MutualAuthPath);
        _mutualAuthSup = Combine(sup.MutualAuthPath);
        _serverAuthMp = Combine(mp.ServerAuthPath);
        _serverAuthSup = Combine(sup.ServerAuthPath);
        SiteCode = topology.SiteCode;
        _bulkToken = new Lazy<string>(() => BulkToken ?? CreateBulkToken(LabDirectory ?? Path.GetDirectoryName(_topology.LogsDirectory)!, SiteCode), LazyThreadSafetyMode.ExecutionAndPublication);
        _entra = new Lazy<EntraDevices>(() => new EntraDevices(_topology, _root), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public IPEndPoint PublicAddress { get; }

    /// <summary>Each VM instance's own listener: clients spread over them round-robin instead of through the kernel's pick.</summary>
    public IReadOnlyList<IPEndPoint> InstanceAddresses { get; }

    /// <summary>True: client n connects to VM instance n mod N (even shares); false: through the shared public port.</summary>
    public bool SpreadOverInstances { get; init; }

    /// <summary>
    /// How clients authenticate: a PKI certificate on the MutualAuth URLs (default), or on the ServerAuth URLs a
    /// CCM token bought with an Entra device token or with a bulk registration token.
    /// </summary>
    public ClientAuthMethod Auth { get; init; } = ClientAuthMethod.Pki;

    /// <summary>With <see cref="ClientAuthMethod.Token"/>: the bulk registration token every client installs with. Default: a new one from the lab's site.</summary>
    public string? BulkToken { get; init; }

    /// <summary>The lab folder (its <c>pki/</c> signs a new bulk token, its <c>site.db</c> records it). Default: the parent of topology.json's logs folder.</summary>
    public string? LabDirectory { get; init; }

    /// <summary>
    /// Loopback source addresses clients spread over: client n binds to 127.0.0.(1 + n mod N). One source address
    /// has about 28k ephemeral ports per target port; N of them give N times that. 1 (default): no bind.
    /// </summary>
    public int SourceAddresses
    {
        get => _sourceAddresses;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, MaxSourceAddresses);
            _sourceAddresses = value;
        }
    }

    /// <summary>The MP as these clients see it: the MutualAuth path for PKI, the ServerAuth path for token clients.</summary>
    public Uri ManagementPointUrl => Auth == ClientAuthMethod.Pki ? _mutualAuthMp : _serverAuthMp;

    public Uri SoftwareUpdatePointUrl => Auth == ClientAuthMethod.Pki ? _mutualAuthSup : _serverAuthSup;

    public string SiteCode { get; }

    /// <summary>The source address client <paramref name="number"/> binds to; null when <see cref="SourceAddresses"/> is 1.</summary>
    public IPAddress? SourceAddressFor(int number) =>
        _sourceAddresses <= 1 ? null : new IPAddress([127, 0, 0, (byte)(1 + (number % _sourceAddresses))]);

    /// <summary>Creates client <paramref name="number"/> and starts it (<see cref="LoadClient.StartAsync"/>); a client that fails to start is disposed.</summary>
    public async Task<LoadClient> StartAsync(int number, Guid smsId, TimeProvider timeProvider, bool notification, CancellationToken cancellationToken)
    {
        var client = Create(number, smsId, timeProvider);
        try
        {
            await client.StartAsync(notification, cancellationToken);
            return client;
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Client <paramref name="number"/>: its own HTTP/2 connection to the CMG's public port (or its VM instance's),
    /// from its source address, with a PKI certificate or a CCM token source, and a shared signing key.
    /// </summary>
    public LoadClient Create(int number, Guid smsId, TimeProvider timeProvider)
    {
        var pki = Auth == ClientAuthMethod.Pki;
        var sourceAddress = SourceAddressFor(number);

        // The URL keeps the service name and public port (SNI, name check, what the CMG sees); only the socket's target differs.
        var target = SpreadOverInstances && InstanceAddresses.Count > 0 ? InstanceAddresses[number % InstanceAddresses.Count] : PublicAddress;
        if (sourceAddress is not null && (target.AddressFamily != AddressFamily.InterNetwork || !IPAddress.IsLoopback(target.Address)))
        {
            throw new InvalidOperationException($"Source addresses 127.0.0.x need an IPv4 loopback target; the CMG listens on {target}.");
        }

        // A token client presents no certificate: it proves itself with its bearer token on the ServerAuth URLs.
        var handler = pki
            ? CmgClientHttp.CreateHandler(_clientCertificates[number % _clientCertificates.Length], _root, _resolveName, target, [_issuing], sourceAddress)
            : CmgClientHttp.CreateHandler(null, _root, _resolveName, target, localAddress: sourceAddress);
        handler.PooledConnectionIdleTimeout = TimeSpan.FromMinutes(30);
        var bearer = pki ? null : new BearerTokenHandler { InnerHandler = handler };
        var tracker = new VmInstanceTracker { InnerHandler = bearer is null ? handler : bearer };
        var connect = handler.ConnectCallback!;
        handler.ConnectCallback = async (context, cancellationToken) =>
        {
            var stream = await connect(context, cancellationToken);
            tracker.LocalEndPoint = (stream as NetworkStream)?.Socket.LocalEndPoint as IPEndPoint;
            return stream;
        };
        var http = new HttpClient(tracker, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };

        var hostName = $"LOAD{number:D5}";
        CcmTokenSource? tokens = null;
        var holdsNotification = true;
        var keyIndex = number;
        try
        {
            if (Auth == ClientAuthMethod.Entra)
            {
                var entra = _entra.Value;
                var device = number % entra.Count;

                // The MP keeps one SMSID per Entra device, signed with the key registered last, and one notification
                // session per SMSID; clients sharing a device therefore share its key, and only its first holds the channel.
                keyIndex = device;
                holdsNotification = entra.ClaimNotification(device);
                tokens = new CcmTokenSource(http, new Uri(_serverAuthMp.AbsoluteUri + "/CCM_STS"), entra.CredentialsFor(device, http, _publicUrl, timeProvider), timeProvider);
            }
            else if (Auth == ClientAuthMethod.Token)
            {
                tokens = new CcmTokenSource(http, new Uri(_serverAuthMp.AbsoluteUri + "/CCM_STS"), new StaticCredentialProvider(new ClientCredential("bulk registration token", _bulkToken.Value)), timeProvider);
            }
        }
        catch
        {
            http.Dispose();
            throw;
        }

        bearer?.Tokens = tokens;
        var (key, signingCertificate) = _signingKeys[keyIndex % _signingKeys.Length];
        var identity = ClientIdentity.CreateShared(hostName, key, signingCertificate, "GUID:" + smsId.ToString().ToUpperInvariant());
        var path = pki ? ClientSession.CcmSystemPath : ClientSession.CcmSystemTokenAuthPath;
        var flow = new ClientFlow(http, ManagementPointUrl, SoftwareUpdatePointUrl, timeProvider, new ClientFlowOptions { SiteCode = SiteCode, ClientHostName = hostName, CcmRequestPath = path });
        return new LoadClient(http, tracker, identity, flow, new PolicyFlow(http, ManagementPointUrl, timeProvider, path), ManagementPointUrl, timeProvider)
        {
            Tokens = tokens,
            CcmRequestPath = path,
            HoldsNotification = holdsNotification,
        };
    }

    /// <summary>What BulkRegistrationTokenTool.exe /new does (as <c>cmgsim token new</c>): a token signed by the lab site's certificate, its GUID in site.db.</summary>
    public static string CreateBulkToken(string labDirectory, string siteCode)
    {
        var layout = new LabLayout(labDirectory);
        if (!File.Exists(Path.Combine(layout.PkiDirectory, SiteTokenSigningCertificate.PfxFileName)))
        {
            // Creating a signing certificate here would sign tokens the running site does not trust.
            throw new InvalidOperationException($"No site token-signing certificate in {layout.PkiDirectory}: pass the lab folder, or a bulk token.");
        }

        using var certificate = SiteTokenSigningCertificate.LoadOrCreate(layout.PkiDirectory, siteCode, TimeProvider.System);
        var service = new SiteTokenService(
            new SiteTokenServiceOptions { SigningCertificate = certificate, HierarchyId = SiteHierarchy.LoadOrCreateId(layout.PkiDirectory) },
            TimeProvider.System);
        var token = service.CreateBulkRegistrationToken();
        new BulkRegistrationTokenStore(layout.SiteDatabase, TimeProvider.System).Add(token);
        return token.Jwt;
    }

    public void Dispose()
    {
        _root.Dispose();
        _issuing.Dispose();
        foreach (var certificate in _clientCertificates)
        {
            certificate.Dispose();
        }

        foreach (var (key, certificate) in _signingKeys)
        {
            key.Dispose();
            certificate.Dispose();
        }

        if (_entra.IsValueCreated)
        {
            _entra.Value.Dispose();
        }
    }

    private Uri Combine(string path) => new(_publicUrl.AbsoluteUri.TrimEnd('/') + path);

    /// <summary>
    /// The Entra-joined devices of topology.json, which load clients share round-robin: the lab tenant knows only
    /// these (one per lab client, each with its workplace-join key), and it has no device registration to mint more.
    /// Every load client still opens its own connection and gets its own Entra and CCM tokens, which is what the
    /// CMG sees; the MP sees one client per device.
    /// </summary>
    private sealed class EntraDevices : IDisposable
    {
        private readonly EntraEntry _entra;
        private readonly HttpClient _entraHttp;
        private readonly (EntraDeviceCredential Device, EntraUserCredential? User)[] _devices;
        private readonly int[] _notificationClaimed;

        public EntraDevices(TopologyDocument topology, X509Certificate2 root)
        {
            _entra = topology.Entra ?? throw new InvalidOperationException("--auth entra: this CMG has no Microsoft Entra tenant onboarded (topology.json has no 'entra').");
            if (_entra.Devices.Count == 0)
            {
                throw new InvalidOperationException("--auth entra: topology.json lists no Entra-joined devices.");
            }

            var handler = CmgClientHttp.CreateHandler(null, root, null, null);

            // The tenant is not under test: a few pooled connections serve every client's token requests.
            handler.MaxConnectionsPerServer = 16;
            _entraHttp = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
            _devices = _entra.Devices.Select((d, i) => (
                new EntraDeviceCredential(d.DeviceId, X509CertificateLoader.LoadPkcs12FromFile(d.WpjPfx, password: null)),
                i < _entra.Users.Count ? new EntraUserCredential(_entra.Users[i].UserPrincipalName, _entra.Users[i].Password) : null)).ToArray();
            _notificationClaimed = new int[_devices.Length];
        }

        public int Count => _devices.Length;

        /// <summary>True for the first client of <paramref name="device"/>: two BGB sessions of one SMSID would keep replacing each other.</summary>
        public bool ClaimNotification(int device) => Interlocked.Exchange(ref _notificationClaimed[device], 1) == 0;

        /// <summary>As ccmsetup without AAD properties: the Entra parameters from the CMG's AADAuthInfo, then the device token.</summary>
        public EntraCredentialProvider CredentialsFor(int device, HttpClient cmg, Uri publicUrl, TimeProvider timeProvider)
        {
            var (credential, user) = _devices[device];
            var aadAuthInfo = new Uri(publicUrl.AbsoluteUri.TrimEnd('/') + CmgPaths.ServerAuthPrefix + "/AADAuthInfo?TenantID=" + _entra.TenantId.ToString("D"));
            return new EntraCredentialProvider(_entraHttp, new Uri(_entra.Authority), _entra.ClientAppId, _entra.AppIdUri, credential, user, timeProvider)
            {
                Discovery = (cmg, aadAuthInfo),
            };
        }

        public void Dispose()
        {
            _entraHttp.Dispose();
            foreach (var (device, _) in _devices)
            {
                device.WpjCertificate.Dispose();
            }
        }
    }
}

/// <summary>The load clients' options shared by the scenarios and commands: <c>--auth</c>, <c>--bulk-token</c>, <c>--source-addresses</c>.</summary>
internal static class LoadClientOptions
{
    public static Option<ClientAuthMethod> Auth() => new("--auth")
    {
        Description = "How clients authenticate: pki (client certificate, MutualAuth URLs), entra (Entra device token, shared round-robin over the lab's devices) or token (bulk registration token).",
        DefaultValueFactory = static _ => ClientAuthMethod.Pki,
    };

    public static Option<string?> BulkToken() => new("--bulk-token")
    {
        Description = "With --auth token: the bulk registration token every client installs with. Default: a new one from the lab's site, as 'cmgsim token new' makes.",
    };

    public static Option<int> SourceAddresses() => new("--source-addresses")
    {
        Description = $"Spread client sockets over loopback source addresses 127.0.0.1 .. 127.0.0.N (1-{LoadClientFactory.MaxSourceAddresses}), about 28k connections per address and target port.",
        DefaultValueFactory = static _ => 1,
        Validators =
        {
            static result =>
            {
                if (result.GetValueOrDefault<int>() is < 1 or > LoadClientFactory.MaxSourceAddresses)
                {
                    result.AddError($"--source-addresses must be between 1 and {LoadClientFactory.MaxSourceAddresses}.");
                }
            },
        },
    };
}

/// <summary>One simulated client holding one connection to the CMG: registered, its notification channel up, polling for policy.</summary>
internal sealed class LoadClient : IAsyncDisposable
{
    private readonly VmInstanceTracker _tracker;
    private readonly Uri _managementPointUrl;
    private readonly TimeProvider _timeProvider;
    private NotificationChannel? _notification;

    public LoadClient(HttpClient http, VmInstanceTracker tracker, ClientIdentity identity, ClientFlow flow, PolicyFlow policy, Uri managementPointUrl, TimeProvider timeProvider)
    {
        Http = http;
        _tracker = tracker;
        Identity = identity;
        Flow = flow;
        Policy = policy;
        _managementPointUrl = managementPointUrl;
        _timeProvider = timeProvider;
    }

    public HttpClient Http { get; }

    public ClientIdentity Identity { get; }

    public ClientFlow Flow { get; }

    public PolicyFlow Policy { get; }

    /// <summary>The CCM token source of an Entra or bulk-token client; null for PKI.</summary>
    public CcmTokenSource? Tokens { get; init; }

    /// <summary>Where this client posts CcmMessaging requests: <c>/ccm_system/request</c>, or <c>/ccm_system_tokenauth/request</c> for token clients.</summary>
    public string CcmRequestPath { get; init; } = ClientSession.CcmSystemPath;

    /// <summary>False for an Entra client whose shared device's notification channel another client holds.</summary>
    public bool HoldsNotification { get; init; } = true;

    /// <summary>The registration step, once <see cref="StartAsync"/> ran (its detail names the SMSID and approval status).</summary>
    public ClientStepResult? Registration { get; private set; }

    /// <summary>True once the notification channel logged in.</summary>
    public bool NotificationUp => _notification is not null;

    /// <summary>The VM instance the kernel gave this client's connection to, from the last response.</summary>
    public string? VmInstance => _tracker.VmInstance;

    /// <summary>The instance's client connections when it received this client's last request.</summary>
    public int VmConnections => _tracker.VmConnections;

    /// <summary>The source address and port of this client's last connection.</summary>
    public IPEndPoint? LocalEndPoint => _tracker.LocalEndPoint;

    /// <summary>
    /// Token clients first get their CCM token (bulk-token clients swap it for a site client token after
    /// registering); then registration, then the notification channel's LogIn (its long poll then stays open).
    /// </summary>
    public async Task StartAsync(bool notification, CancellationToken cancellationToken)
    {
        if (Tokens is { } tokens)
        {
            ThrowIfFailed(await tokens.AcquireAsync(cancellationToken));
        }

        var registration = await Flow.RegisterAsync(Identity, CcmRequestPath, cancellationToken);
        Registration = registration;
        if (!registration.Succeeded)
        {
            throw new InvalidOperationException($"Registration of {Identity.HostName} failed: HTTP {registration.Status} {registration.Detail}");
        }

        if (Tokens is { } siteTokens && Identity.SiteClientToken is { } clientToken)
        {
            // The bulk token is discarded: from now on the site client token buys the CCM tokens.
            siteTokens.UseSiteClientToken(clientToken);
            ThrowIfFailed(await siteTokens.AcquireAsync(cancellationToken));
        }

        if (notification && HoldsNotification)
        {
            _notification = new NotificationChannel(Http, _managementPointUrl, Identity.SmsId!, Identity.HostName, _timeProvider);
            await _notification.StartAsync(cancellationToken);
        }
    }

    /// <summary>One MPLIST request (a token client gets its CCM token first), e.g. to open and hold the connection.</summary>
    public async Task<HttpStatusCode> RequestMpListAsync(CancellationToken cancellationToken)
    {
        using var response = await Http.GetAsync(new Uri(_managementPointUrl.AbsoluteUri.TrimEnd('/') + "/SMS_MP/.sms_aut?MPLIST"), cancellationToken);
        return response.StatusCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (_notification is not null)
        {
            await _notification.DisposeAsync();
        }

        Http.Dispose();
        Tokens?.Dispose();
        Identity.Dispose();
    }

    private void ThrowIfFailed(IReadOnlyList<ClientStepResult> steps)
    {
        if (steps.FirstOrDefault(static s => !s.Succeeded) is { } failed)
        {
            throw new InvalidOperationException($"{failed.Step} of {Identity.HostName} failed: HTTP {failed.Status} {failed.Detail}");
        }

        if (!steps.Any(static s => s.Step == CcmTokenSource.StsStep))
        {
            throw new InvalidOperationException($"{Identity.HostName} got no CCM token.");
        }
    }
}

/// <summary>
/// Sends every request as HTTP/2, so one client is one TCP connection (its long poll and its requests share
/// it, as the product's client keeps one connection to its CMG), and remembers which VM instance answered.
/// </summary>
internal sealed class VmInstanceTracker : DelegatingHandler
{
    private string? _vmInstance;
    private int _connections;
    private IPEndPoint? _localEndPoint;

    public string? VmInstance => Volatile.Read(ref _vmInstance);

    /// <summary>The instance's client connections when it received the last request (its <c>X-CmgSim-VmConnections</c>).</summary>
    public int VmConnections => Volatile.Read(ref _connections);

    /// <summary>The local end of the last connection opened (set by the handler's connect callback).</summary>
    public IPEndPoint? LocalEndPoint
    {
        get => Volatile.Read(ref _localEndPoint);
        set => Volatile.Write(ref _localEndPoint, value);
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.Version = HttpVersion.Version20;
        request.VersionPolicy = HttpVersionPolicy.RequestVersionExact;
        var response = await base.SendAsync(request, cancellationToken);
        if (response.Headers.TryGetValues(VmCapacityProtocol.VmInstanceHeader, out var values))
        {
            Volatile.Write(ref _vmInstance, values.FirstOrDefault());
        }

        if (response.Headers.TryGetValues(VmCapacityProtocol.ClientConnectionsHeader, out var counts) && int.TryParse(counts.FirstOrDefault(), out var count))
        {
            Volatile.Write(ref _connections, count);
        }

        return response;
    }
}

/// <summary>The SMSIDs of a run's clients from its seed, so a rerun registers the same clients; safe to share between virtual users.</summary>
internal sealed class SmsIdSequence(int seed)
{
    private readonly Random _random = new(seed);
    private readonly Lock _gate = new();

    public Guid Next()
    {
        Span<byte> bytes = stackalloc byte[16];
        lock (_gate)
        {
            _random.NextBytes(bytes);
        }

        return new Guid(bytes);
    }
}
