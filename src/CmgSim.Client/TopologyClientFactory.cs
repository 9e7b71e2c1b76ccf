using System.Net;
using System.Security.Cryptography.X509Certificates;
using CmgSim.Client.Diagnostics;
using CmgSim.Core.Topology;

namespace CmgSim.Client;

/// <summary>Builds a PKI client from <c>topology.json</c>, the way <c>cmgsim client run</c> does.</summary>
public static class TopologyClientFactory
{
    /// <summary>
    /// Client <paramref name="clientIndex"/> of <c>Pki.Clients</c>, talking to the first MP and SUP of
    /// <c>Roles</c> through the CMG MutualAuth paths. When <c>PublicUrl</c> is an IP address (the lab's
    /// loopback listener), requests go to <c>https://&lt;ServiceName&gt;:&lt;port&gt;</c> and the name is
    /// mapped to that address, so the CMG's server certificate name check passes as in the product.
    /// </summary>
    /// <param name="exchangeLog">When given, every request and response is recorded there (for --verbose).</param>
    /// <param name="direct">True for an intranet client: it talks to the MP and SUP directly, not through the CMG.</param>
    public static PkiClientSession Create(TopologyDocument topology, int clientIndex, TimeProvider timeProvider, PkiClientFlowOptions? options = null, HttpExchangeLog? exchangeLog = null, bool direct = false)
    {
        ArgumentNullException.ThrowIfNull(topology);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentOutOfRangeException.ThrowIfNegative(clientIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(clientIndex, topology.Pki.Clients.Count);

        var managementPoint = topology.Roles.FirstOrDefault(r => r.Kind == SiteRoleKind.ManagementPoint)
            ?? throw new InvalidOperationException("The topology has no ManagementPoint role.");
        var softwareUpdatePoint = topology.Roles.FirstOrDefault(r => r.Kind == SiteRoleKind.SoftwareUpdatePoint)
            ?? throw new InvalidOperationException("The topology has no SoftwareUpdatePoint role.");

        var publicUrl = new Uri(topology.PublicUrl);
        string? resolveName = null;
        IPEndPoint? resolveTo = null;
        var baseUri = publicUrl;
        if (!direct && IPAddress.TryParse(publicUrl.Host.Trim('[', ']'), out var address) && !string.IsNullOrEmpty(topology.ServiceName))
        {
            resolveName = topology.ServiceName;
            resolveTo = new IPEndPoint(address, 0);
            baseUri = new UriBuilder(publicUrl) { Host = topology.ServiceName }.Uri;
        }

        var entry = topology.Pki.Clients[clientIndex];
        var root = LoadCertificate(topology.Pki.RootCaPem);
        var issuing = LoadCertificate(topology.Pki.IssuingCaPem);
        var clientCertificate = LoadClientCertificate(entry.CertPem, entry.KeyPem);
        var handler = CmgClientHttp.CreateHandler(clientCertificate, root, resolveName, resolveTo, [issuing]);
        HttpMessageHandler pipeline = exchangeLog is null ? handler : new HttpExchangeRecorder(exchangeLog) { InnerHandler = handler };
        var http = new HttpClient(pipeline, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
        // An intranet client talks to the roles' own URLs; an internet client goes through the CMG.
        var mpUrl = direct ? new Uri(managementPoint.InternalUrl) : Combine(baseUri, managementPoint.MutualAuthPath);
        var supUrl = direct ? new Uri(softwareUpdatePoint.InternalUrl) : Combine(baseUri, softwareUpdatePoint.MutualAuthPath);
        var flowOptions = options ?? new PkiClientFlowOptions { SiteCode = topology.SiteCode, ClientHostName = entry.Name.ToUpperInvariant() };
        var flow = new PkiClientFlow(http, mpUrl, supUrl, timeProvider, flowOptions);
        return new PkiClientSession(flow, http, mpUrl, supUrl, clientCertificate, root, issuing, clientCertificate);
    }

    /// <summary>
    /// A PEM-loaded key is ephemeral; SslStream on Linux (and Windows) needs it in a PKCS#12-backed
    /// form to present it, hence the round trip.
    /// </summary>
    public static X509Certificate2 LoadClientCertificate(string certPemPath, string keyPemPath)
    {
        using var pem = X509Certificate2.CreateFromPemFile(certPemPath, keyPemPath);
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), password: null);
    }

    private static X509Certificate2 LoadCertificate(string pemPath) => X509Certificate2.CreateFromPem(File.ReadAllText(pemPath));

    private static Uri Combine(Uri baseUri, string path) => new(baseUri.AbsoluteUri.TrimEnd('/') + "/" + path.Trim('/'));
}
