using System.Net;
using System.Security.Cryptography.X509Certificates;
using CmgSim.Client.Diagnostics;
using CmgSim.Client.TokenAuthentication;
using CmgSim.Core;
using CmgSim.Core.Topology;

namespace CmgSim.Client;

/// <summary>Builds a PKI client from <c>topology.json</c>, the way <c>cmgsim client run</c> does.</summary>
public static class TopologyClientFactory
{
    /// <summary>
    /// Client <paramref name="clientIndex"/> of <c>Pki.Clients</c>, talking to the first MP and SUP of
    /// <c>Roles</c> through the CMG (MutualAuth paths for PKI, ServerAuth paths for token clients). When <c>PublicUrl</c> is an IP address (the lab's
    /// loopback listener), requests go to <c>https://&lt;ServiceName&gt;:&lt;port&gt;</c> and the name is
    /// mapped to that address, so the CMG's server certificate name check passes as in the product.
    /// </summary>
    /// <param name="exchangeLog">When given, every request and response is recorded there (for --verbose).</param>
    /// <param name="direct">True for an intranet client: it talks to the MP and SUP directly, not through the CMG.</param>
    /// <param name="auth">PKI (MutualAuth paths, client certificate), Entra or Token (ServerAuth paths, CCM token).</param>
    /// <param name="bulkRegistrationToken">With <see cref="ClientAuthMethod.Token"/>: the bulk token of <c>ccmsetup /regtoken</c>.</param>
    public static ClientSession Create(
        TopologyDocument topology,
        int clientIndex,
        TimeProvider timeProvider,
        ClientFlowOptions? options = null,
        HttpExchangeLog? exchangeLog = null,
        bool direct = false,
        ClientAuthMethod auth = ClientAuthMethod.Pki,
        string? bulkRegistrationToken = null)
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
        var pki = auth == ClientAuthMethod.Pki;

        // A token client has no PKI certificate: it proves itself with its bearer token on the ServerAuth URLs.
        var clientCertificate = pki ? LoadClientCertificate(entry.CertPem, entry.KeyPem) : null;
        var handler = CmgClientHttp.CreateHandler(clientCertificate, root, resolveName, resolveTo, [issuing]);
        var bearer = pki ? null : new BearerTokenHandler { InnerHandler = handler };
        HttpMessageHandler inner = bearer is null ? handler : bearer;
        HttpMessageHandler pipeline = exchangeLog is null ? inner : new HttpExchangeRecorder(exchangeLog) { InnerHandler = inner };
        var http = new HttpClient(pipeline, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };

        // An intranet client talks to the roles' own URLs; an internet client goes through the CMG.
        var mpUrl = direct ? new Uri(managementPoint.InternalUrl) : Combine(baseUri, pki ? managementPoint.MutualAuthPath : managementPoint.ServerAuthPath);
        var supUrl = direct ? new Uri(softwareUpdatePoint.InternalUrl) : Combine(baseUri, pki ? softwareUpdatePoint.MutualAuthPath : softwareUpdatePoint.ServerAuthPath);
        var flowOptions = options ?? new ClientFlowOptions { SiteCode = topology.SiteCode, ClientHostName = entry.Name.ToUpperInvariant() };
        var owned = new List<IDisposable> { root, issuing };
        if (clientCertificate is not null)
        {
            owned.Add(clientCertificate);
        }

        CcmTokenSource? tokens = null;
        if (!pki)
        {
            flowOptions.CcmRequestPath = ClientSession.CcmSystemTokenAuthPath;
            IClientCredentialProvider credentials = auth == ClientAuthMethod.Entra
                ? (IClientCredentialProvider)CreateEntraCredentials(topology, entry.Name, root, direct ? null : (http, Combine(baseUri, CmgPaths.ServerAuthPrefix + "/AADAuthInfo?TenantID=" + topology.Entra!.TenantId.ToString("D"))), timeProvider, owned)
                : new StaticCredentialProvider(new ClientCredential("bulk registration token", bulkRegistrationToken
                    ?? throw new ArgumentException("A token client needs its bulk registration token.", nameof(bulkRegistrationToken))));
            tokens = new CcmTokenSource(http, Combine(mpUrl, "CCM_STS"), credentials, timeProvider);
            bearer!.Tokens = tokens;
        }

        var flow = new ClientFlow(http, mpUrl, supUrl, timeProvider, flowOptions);
        return new ClientSession(flow, http, mpUrl, supUrl, clientCertificate, auth, tokens, [.. owned]);
    }

    private static EntraCredentialProvider CreateEntraCredentials(TopologyDocument topology, string clientName, X509Certificate2 root, (HttpClient Cmg, Uri Url)? discovery, TimeProvider timeProvider, List<IDisposable> owned)
    {
        var entra = topology.Entra ?? throw new InvalidOperationException("The topology has no onboarded Microsoft Entra tenant.");
        var device = entra.Devices.FirstOrDefault(d => string.Equals(d.Name, clientName, StringComparison.OrdinalIgnoreCase))
            ?? throw new InvalidOperationException($"No Entra-joined device for client {clientName} in topology.json.");
        var index = entra.Devices.ToList().IndexOf(device);
        var user = index < entra.Users.Count ? entra.Users[index] : null;
        var wpj = X509CertificateLoader.LoadPkcs12FromFile(device.WpjPfx, password: null);
        var entraHttp = new HttpClient(CmgClientHttp.CreateHandler(null, root, null, null)) { Timeout = TimeSpan.FromSeconds(30) };
        owned.Add(wpj);
        owned.Add(entraHttp);
        return new EntraCredentialProvider(
            entraHttp,
            new Uri(entra.Authority),
            entra.ClientAppId,
            entra.AppIdUri,
            new EntraDeviceCredential(device.DeviceId, wpj),
            user is null ? null : new EntraUserCredential(user.UserPrincipalName, user.Password),
            timeProvider)
        {
            Discovery = discovery,
        };
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
