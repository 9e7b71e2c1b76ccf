using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CmgSim.Client;
using CmgSim.CloudService.Capacity;
using CmgSim.Core.Topology;

namespace CmgSim.LoadTests.Scenarios;

/// <summary>
/// What every simulated client of a load scenario shares: the lab trust anchor, the lab client certificates,
/// a few signing keys (RSA key generation would dominate a ramp of thousands of clients), and the CMG URLs.
/// </summary>
internal sealed class LoadClientFactory : IDisposable
{
    private readonly X509Certificate2 _root;
    private readonly X509Certificate2 _issuing;
    private readonly X509Certificate2[] _clientCertificates;
    private readonly (RSA Key, X509Certificate2 Certificate)[] _signingKeys;
    private readonly Uri _publicUrl;
    private readonly string? _resolveName;

    public LoadClientFactory(TopologyDocument topology, TimeProvider timeProvider, int signingKeys = 8)
    {
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
        ManagementPointUrl = new Uri(_publicUrl.AbsoluteUri.TrimEnd('/') + mp.MutualAuthPath);
        SoftwareUpdatePointUrl = new Uri(_publicUrl.AbsoluteUri.TrimEnd('/') + sup.MutualAuthPath);
        SiteCode = topology.SiteCode;
    }

    public IPEndPoint PublicAddress { get; }

    /// <summary>Each VM instance's own listener: clients spread over them round-robin instead of through the kernel's pick.</summary>
    public IReadOnlyList<IPEndPoint> InstanceAddresses { get; }

    /// <summary>True: client n connects to VM instance n mod N (even shares); false: through the shared public port.</summary>
    public bool SpreadOverInstances { get; init; }

    public Uri ManagementPointUrl { get; }

    public Uri SoftwareUpdatePointUrl { get; }

    public string SiteCode { get; }

    /// <summary>Client <paramref name="number"/>: its own HTTP/2 connection to the CMG's public port, a PKI certificate, a shared signing key.</summary>
    public LoadClient Create(int number, Guid smsId, TimeProvider timeProvider)
    {
        var certificate = _clientCertificates[number % _clientCertificates.Length];
        // The URL keeps the service name and public port (SNI, name check, what the CMG sees); only the socket's target differs.
        var target = SpreadOverInstances && InstanceAddresses.Count > 0 ? InstanceAddresses[number % InstanceAddresses.Count] : PublicAddress;
        var handler = CmgClientHttp.CreateHandler(certificate, _root, _resolveName, target, [_issuing]);
        handler.PooledConnectionIdleTimeout = TimeSpan.FromMinutes(30);
        var tracker = new VmInstanceTracker { InnerHandler = handler };
        var http = new HttpClient(tracker, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
        var (key, signingCertificate) = _signingKeys[number % _signingKeys.Length];
        var hostName = $"LOAD{number:D5}";
        var identity = ClientIdentity.CreateShared(hostName, key, signingCertificate, "GUID:" + smsId.ToString().ToUpperInvariant());
        var flow = new ClientFlow(http, ManagementPointUrl, SoftwareUpdatePointUrl, timeProvider, new ClientFlowOptions { SiteCode = SiteCode, ClientHostName = hostName });
        return new LoadClient(http, tracker, identity, flow, new PolicyFlow(http, ManagementPointUrl, timeProvider), ManagementPointUrl, timeProvider);
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
    }
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

    /// <summary>The VM instance the kernel gave this client's connection to, from the last response.</summary>
    public string? VmInstance => _tracker.VmInstance;

    /// <summary>The instance's client connections when it received this client's last request.</summary>
    public int VmConnections => _tracker.VmConnections;

    /// <summary>Registration, then the notification channel's LogIn (its long poll then stays open).</summary>
    public async Task StartAsync(bool notification, CancellationToken cancellationToken)
    {
        var registration = await Flow.RegisterAsync(Identity, cancellationToken: cancellationToken);
        if (!registration.Succeeded)
        {
            throw new InvalidOperationException($"Registration of {Identity.HostName} failed: HTTP {registration.Status} {registration.Detail}");
        }

        if (notification)
        {
            _notification = new NotificationChannel(Http, _managementPointUrl, Identity.SmsId!, Identity.HostName, _timeProvider);
            await _notification.StartAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_notification is not null)
        {
            await _notification.DisposeAsync();
        }

        Http.Dispose();
        Identity.Dispose();
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

    public string? VmInstance => Volatile.Read(ref _vmInstance);

    /// <summary>The instance's client connections when it received the last request (its <c>X-CmgSim-VmConnections</c>).</summary>
    public int VmConnections => Volatile.Read(ref _connections);

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
