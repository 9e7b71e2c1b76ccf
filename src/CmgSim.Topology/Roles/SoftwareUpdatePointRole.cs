using System.Net;
using CmgSim.Identity.Pki;
using CmgSim.SoftwareUpdatePoint;
using Microsoft.Extensions.Logging;

namespace CmgSim.Topology.Roles;

/// <summary>Everything needed to start the software update point as a role.</summary>
public sealed class SoftwareUpdatePointRoleSettings
{
    /// <summary>Where to listen (8531 in the product, 8532 in the multi-process port plan). Port 0 picks a free port.</summary>
    public required IPEndPoint Endpoint { get; init; }

    /// <summary>The lab PKI: the SUP serves the site system certificate.</summary>
    public required LabPki Pki { get; init; }

    public required ILoggerFactory LoggerFactory { get; init; }

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(5);
}

/// <summary>The software update point: the WSUS client web services over HTTPS.</summary>
public static class SoftwareUpdatePointRole
{
    public static async Task<SiteRoleInstance> StartAsync(SoftwareUpdatePointRoleSettings settings, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var host = await SiteRoleHost.StartAsync(
            settings.Endpoint,
            settings.Pki.SiteSystemCertificate,
            settings.Pki.GetIntermediates(),
            static services => services.AddSoftwareUpdatePoint(),
            static endpoints => endpoints.MapSoftwareUpdatePoint(),
            settings.LoggerFactory,
            settings.TimeProvider,
            settings.ShutdownTimeout,
            iisLog: null,
            cancellationToken);
        return new SiteRoleInstance(host);
    }
}
