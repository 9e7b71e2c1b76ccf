using System.Security.Cryptography.X509Certificates;

namespace CmgSim.Client;

/// <summary>A ready-to-run flow and everything it owns (HTTP client, handler, certificates); dispose when done.</summary>
public sealed class PkiClientSession : IDisposable
{
    private readonly IDisposable[] _owned;

    internal PkiClientSession(PkiClientFlow flow, HttpClient http, Uri managementPointBaseUrl, Uri softwareUpdatePointBaseUrl, X509Certificate2 clientCertificate, params IDisposable[] owned)
    {
        Flow = flow;
        Http = http;
        ManagementPointBaseUrl = managementPointBaseUrl;
        SoftwareUpdatePointBaseUrl = softwareUpdatePointBaseUrl;
        ClientCertificate = clientCertificate;
        _owned = owned;
    }

    public PkiClientFlow Flow { get; }

    public HttpClient Http { get; }

    public Uri ManagementPointBaseUrl { get; }

    public Uri SoftwareUpdatePointBaseUrl { get; }

    public X509Certificate2 ClientCertificate { get; }

    public Task<IReadOnlyList<ClientStepResult>> RunAsync(CancellationToken cancellationToken = default) => Flow.RunAsync(cancellationToken);

    public void Dispose()
    {
        Http.Dispose();
        foreach (var owned in _owned)
        {
            owned.Dispose();
        }
    }
}
