using System.Security.Cryptography.X509Certificates;
using CmgSim.Client.TokenAuthentication;

namespace CmgSim.Client;

/// <summary>A ready-to-run flow and everything it owns (HTTP client, handler, certificates, token source); dispose when done.</summary>
public sealed class ClientSession : IDisposable
{
    /// <summary>The CcmMessaging path of a PKI (or intranet) client.</summary>
    public const string CcmSystemPath = "/ccm_system/request";

    /// <summary>The CcmMessaging path of a token client (Entra or site token).</summary>
    public const string CcmSystemTokenAuthPath = "/ccm_system_tokenauth/request";

    private readonly IDisposable[] _owned;

    internal ClientSession(ClientFlow flow, HttpClient http, Uri managementPointBaseUrl, Uri softwareUpdatePointBaseUrl, X509Certificate2? clientCertificate, ClientAuthMethod authMethod, CcmTokenSource? tokens, params IDisposable[] owned)
    {
        Flow = flow;
        Http = http;
        ManagementPointBaseUrl = managementPointBaseUrl;
        SoftwareUpdatePointBaseUrl = softwareUpdatePointBaseUrl;
        ClientCertificate = clientCertificate;
        AuthMethod = authMethod;
        Tokens = tokens;
        _owned = owned;
    }

    public ClientFlow Flow { get; }

    public HttpClient Http { get; }

    public Uri ManagementPointBaseUrl { get; }

    public Uri SoftwareUpdatePointBaseUrl { get; }

    /// <summary>The PKI client-auth certificate; null for token clients.</summary>
    public X509Certificate2? ClientCertificate { get; }

    public ClientAuthMethod AuthMethod { get; }

    /// <summary>The CCM token source of a token client; null for PKI clients.</summary>
    public CcmTokenSource? Tokens { get; }

    /// <summary>Where this client posts its CcmMessaging requests.</summary>
    public string CcmRequestPath => AuthMethod == ClientAuthMethod.Pki ? CcmSystemPath : CcmSystemTokenAuthPath;

    public Task<IReadOnlyList<ClientStepResult>> RunAsync(CancellationToken cancellationToken = default) => Flow.RunAsync(cancellationToken);

    public void Dispose()
    {
        Http.Dispose();
        Tokens?.Dispose();
        foreach (var owned in _owned)
        {
            owned.Dispose();
        }
    }
}
