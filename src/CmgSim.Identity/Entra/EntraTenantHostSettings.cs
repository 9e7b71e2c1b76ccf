using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;

namespace CmgSim.Identity.Entra;

public sealed class EntraTenantHostSettings
{
    /// <summary>Where to listen; port 0 picks a free port (see <see cref="EntraTenantHost.Url"/>).</summary>
    public required IPEndPoint Endpoint { get; init; }

    /// <summary>The TLS certificate; clients must trust its root and it must name 127.0.0.1 (the URLs use the bound address).</summary>
    public required X509Certificate2 ServerCertificate { get; init; }

    /// <summary>Intermediates sent with <see cref="ServerCertificate"/>.</summary>
    public X509Certificate2Collection? ServerCertificateChain { get; init; }

    public required EntraTenantOptions Options { get; init; }

    public ILoggerFactory? LoggerFactory { get; init; }

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(5);
}
