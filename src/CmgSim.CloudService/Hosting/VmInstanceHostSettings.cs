using System.Net;
using System.Security.Cryptography.X509Certificates;
using CmgSim.CloudService.ClientAuthentication;
using CmgSim.CloudService.TokenAuthentication;
using CmgSim.Tunnel.CloudSide;
using Microsoft.Extensions.Logging;

namespace CmgSim.CloudService.Hosting;

/// <summary>Everything needed to start one VM instance host.</summary>
public sealed class VmInstanceHostSettings
{
    /// <summary>The public endpoint, shared by every VM instance (SO_REUSEPORT) as Azure's load balancer front end.</summary>
    public required IPEndPoint PublicEndpoint { get; init; }

    /// <summary>This instance's own client endpoint. Port 0 picks a free port.</summary>
    public required IPEndPoint InstanceEndpoint { get; init; }

    /// <summary>The channel endpoint (10123 + n in the product). Port 0 picks a free port.</summary>
    public required IPEndPoint ChannelEndpoint { get; init; }

    public required X509Certificate2 ServerCertificate { get; init; }

    /// <summary>Intermediates sent with the server certificate.</summary>
    public X509Certificate2Collection? ServerCertificateChain { get; init; }

    public required CloudCertificateValidators Validators { get; init; }

    /// <summary>Token authentication of the ServerAuth URLs; null refuses every token.</summary>
    public CloudTokenAuthentication? TokenAuthentication { get; init; }

    public required Action<CloudServiceOptions> Configure { get; init; }

    public Action<ChannelClientOptions>? ConfigureChannels { get; init; }

    /// <summary>The process-wide logger factory every role shares (console and CMTrace files).</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>How long stopping waits for in-flight requests. Default 5 s.</summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(5);
}
