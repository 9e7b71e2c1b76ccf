using System.Diagnostics;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using CmgSim.Core.Security;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;
using Yarp.ReverseProxy.Forwarder;

namespace CmgSim.ConnectionPoint.Forwarding;

/// <summary>The certificates the connection point uses toward its MPs and SUPs.</summary>
public sealed class SiteRoleTlsSettings
{
    /// <summary>The connection point's client-auth certificate, presented to HTTPS site roles.</summary>
    public X509Certificate2? ClientCertificate { get; init; }

    /// <summary>Roots the site roles' server certificates must chain to.</summary>
    public IReadOnlyList<X509Certificate2> TrustedRoots { get; init; } = [];
}

/// <summary>
/// One HTTP client per URL mapping, each behind its own Polly timeout and circuit breaker, so a dead
/// MP fails fast without affecting the SUP.
/// </summary>
internal sealed class SiteRoleClients : IDisposable
{
    private readonly Dictionary<long, (UrlMapping Mapping, HttpMessageInvoker Client)> _clients;

    public SiteRoleClients(IOptions<ConnectionPointOptions> options, SiteRoleTlsSettings tls, TimeProvider timeProvider)
    {
        var value = options.Value;
        _clients = value.UrlMappings.ToDictionary(
            static m => m.EndpointId,
            m => (m, new HttpMessageInvoker(CreateHandler(value, tls, timeProvider), disposeHandler: true)));
    }

    public bool TryGet(long endpointId, out UrlMapping mapping, out HttpMessageInvoker client)
    {
        if (_clients.TryGetValue(endpointId, out var entry))
        {
            (mapping, client) = entry;
            return true;
        }

        mapping = null!;
        client = null!;
        return false;
    }

    private static ResilienceHandler CreateHandler(ConnectionPointOptions options, SiteRoleTlsSettings tls, TimeProvider timeProvider)
    {
        var sockets = new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            EnableMultipleHttp2Connections = true,
            ConnectTimeout = TimeSpan.FromSeconds(5),
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2),
            ActivityHeadersPropagator = new ReverseProxyPropagator(DistributedContextPropagator.Current),
            SslOptions = LabServerCertificateValidation.CreateClientOptions(tls.ClientCertificate, tls.TrustedRoots),
        };

        // No retry: request bodies stream through once. Only a timeout and a circuit breaker.
        var pipeline = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = timeProvider }
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions<HttpResponseMessage>
            {
                FailureRatio = 1.0,
                MinimumThroughput = options.BreakerMinimumThroughput,
                SamplingDuration = TimeSpan.FromSeconds(30),
                BreakDuration = options.BreakDuration,
                ShouldHandle = new PredicateBuilder<HttpResponseMessage>().Handle<HttpRequestException>().Handle<TimeoutRejectedException>(),
            })
            .AddTimeout(options.SiteRoleTimeout)
            .Build();
        return new ResilienceHandler(pipeline) { InnerHandler = sockets };
    }

    public void Dispose()
    {
        foreach (var (_, client) in _clients.Values)
        {
            client.Dispose();
        }
    }
}
