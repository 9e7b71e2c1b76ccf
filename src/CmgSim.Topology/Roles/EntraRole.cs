using System.Net;
using CmgSim.Core;
using CmgSim.Identity.Entra;
using CmgSim.Identity.Pki;
using Microsoft.Extensions.Logging;

namespace CmgSim.Topology.Roles;

/// <summary>Everything needed to start the local Microsoft Entra tenant as a role.</summary>
public sealed class EntraRoleSettings
{
    /// <summary>Where to listen. Its address becomes the issuer of every token, so it must be one clients use (not 0.0.0.0).</summary>
    public required IPEndPoint Endpoint { get; init; }

    /// <summary>The lab PKI: the tenant serves the CMG server certificate (it names 127.0.0.1 and localhost).</summary>
    public required LabPki Pki { get; init; }

    public required LabLayout Layout { get; init; }

    /// <summary>The tenants; null: the lab's (<see cref="EntraRole.CreateLabOptions"/>), one device and user per lab client.</summary>
    public EntraTenantOptions? Options { get; init; }

    public ILoggerFactory? LoggerFactory { get; init; }

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(5);
}

/// <summary>The local Microsoft Entra tenant (Entra v2 URL shapes on its own HTTPS listener).</summary>
public static class EntraRole
{
    /// <summary>
    /// The lab's tenants: Contoso (onboarded) with one Entra-joined device and one user per lab client, and
    /// Fabrikam (not onboarded). With <paramref name="keyDirectory"/> the signing keys and the devices'
    /// workplace-join certificates are kept there (<see cref="LabLayout.EntraDirectory"/>), where clients read them.
    /// </summary>
    public static EntraTenantOptions CreateLabOptions(IEnumerable<string> clientNames, string? keyDirectory)
    {
        var options = EntraTenantOptions.CreateLabDefaults(clientNames);
        options.KeyDirectory = keyDirectory;
        return options;
    }

    public static Task<EntraTenantHost> StartAsync(EntraRoleSettings settings, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return EntraTenantHost.StartAsync(new EntraTenantHostSettings
        {
            Endpoint = settings.Endpoint,
            ServerCertificate = settings.Pki.ServerCertificate,
            ServerCertificateChain = settings.Pki.GetIntermediates(),
            Options = settings.Options ?? CreateLabOptions(settings.Pki.Clients.Select(static c => c.Name), settings.Layout.EntraDirectory),
            LoggerFactory = settings.LoggerFactory,
            TimeProvider = settings.TimeProvider,
            ShutdownTimeout = settings.ShutdownTimeout,
        }, cancellationToken);
    }
}
