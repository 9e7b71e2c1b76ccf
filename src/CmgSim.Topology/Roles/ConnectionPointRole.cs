using System.Globalization;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using CmgSim.ConnectionPoint;
using CmgSim.ConnectionPoint.Forwarding;
using CmgSim.ConnectionPoint.Hosting;
using CmgSim.Core.Logging;
using CmgSim.Core.Topology;
using CmgSim.Identity.Pki;
using Microsoft.Extensions.Logging;

namespace CmgSim.Topology.Roles;

/// <summary>Everything needed to start one CMG connection point as a role.</summary>
public sealed class ConnectionPointRoleSettings
{
    /// <summary>1-based; names the connection point <c>CMGCP&lt;nn&gt;.contoso.com</c>.</summary>
    public required int Number { get; init; }

    public required RoleLabSettings Lab { get; init; }

    public required LabPki Pki { get; init; }

    /// <summary>Its client-auth certificate (CN = its name), with the key; see <see cref="ConnectionPointRole.LoadCertificate"/>.</summary>
    public required X509Certificate2 Certificate { get; init; }

    /// <summary>The channel base URL of every VM instance: the connection point keeps channels to each.</summary>
    public required IReadOnlyList<Uri> VmInstanceChannelUrls { get; init; }

    public required Uri ManagementPointUrl { get; init; }

    public required Uri SoftwareUpdatePointUrl { get; init; }

    /// <summary>The HTTP health endpoint. Port 0 picks a free port.</summary>
    public IPEndPoint HealthEndpoint { get; init; } = new(IPAddress.Loopback, 0);

    /// <summary>Site tokens it validates again on ServerAuth requests; with <see cref="Entra"/> null too, it trusts the CMG's check.</summary>
    public SiteTokenMaterial? SiteTokens { get; init; }

    public EntraTrust? Entra { get; init; }

    public int ChannelsPerInstance { get; init; } = 2;

    public TimeSpan ChannelCheckInterval { get; init; } = TimeSpan.FromMinutes(1);

    public TimeSpan ReconnectDelay { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxReconnectDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Keep-alive of channel connections; must exceed the VM instances' idle channel timeout. Default 30 days, in effect never.</summary>
    public TimeSpan ChannelKeepAliveTimeout { get; init; } = TimeSpan.FromDays(30);

    public TimeSpan SiteRoleTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan SiteRoleBreakDuration { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Local ports it may hold toward the MP and SUP at once (one per forwarded request in flight). Default 16,384.</summary>
    public int SiteRolePortBudget { get; init; } = ConnectionPointOptions.DefaultSiteRolePortBudget;

    /// <summary>Further connection point settings, applied after the role's own.</summary>
    public Action<ConnectionPointOptions>? ConfigureConnectionPoint { get; init; }

    public required ILoggerFactory LoggerFactory { get; init; }

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(5);
}

/// <summary>One CMG connection point: channels out to every VM instance, URL mappings to the MP and the SUP.</summary>
public static class ConnectionPointRole
{
    /// <summary><c>CMGCP01.contoso.com</c> for connection point 1.</summary>
    public static string NameFor(int number)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(number, 1);
        return string.Create(CultureInfo.InvariantCulture, $"CMGCP{number:00}.contoso.com");
    }

    /// <summary>
    /// The client-auth certificate of connection point <paramref name="number"/>: the lab PKI's own for number 1,
    /// a fresh one (valid from yesterday for a year, written to <c>pki/clients/&lt;name&gt;.*</c>) for the others.
    /// The caller disposes it only when it issued a new one (number ≥ 2); number 1's belongs to the PKI.
    /// </summary>
    public static X509Certificate2 LoadCertificate(LabPki pki, int number, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(pki);
        ArgumentNullException.ThrowIfNull(timeProvider);
        if (number == 1)
        {
            return pki.ConnectionPointCertificate;
        }

        var now = timeProvider.GetUtcNow();
        return pki.IssueClientCertificate(NameFor(number), now.AddDays(-1), now.AddYears(1)).Certificate;
    }

    public static Task<ConnectionPointHost> StartAsync(ConnectionPointRoleSettings settings, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var lab = settings.Lab;
        var name = settings.Number == 1 ? settings.Certificate.GetNameInfo(X509NameType.SimpleName, false) : NameFor(settings.Number);
        return ConnectionPointHost.StartAsync(new ConnectionPointHostSettings
        {
            ServiceName = lab.ServiceName,
            VmInstanceChannelUrls = settings.VmInstanceChannelUrls,
            HealthEndpoint = settings.HealthEndpoint,
            Configure = cp =>
            {
                cp.Name = name;
                cp.SiteCode = lab.SiteCode;
                cp.SiteRoleTimeout = settings.SiteRoleTimeout;
                cp.BreakDuration = settings.SiteRoleBreakDuration;
                cp.SiteRolePortBudget = settings.SiteRolePortBudget;
                cp.UrlMappings.Add(new UrlMapping { EndpointId = lab.ManagementPointEndpointId, Kind = SiteRoleKind.ManagementPoint, InternalUrl = settings.ManagementPointUrl, Fqdn = lab.ManagementPointFqdn });
                cp.UrlMappings.Add(new UrlMapping { EndpointId = lab.SoftwareUpdatePointEndpointId, Kind = SiteRoleKind.SoftwareUpdatePoint, InternalUrl = settings.SoftwareUpdatePointUrl, Fqdn = lab.ManagementPointFqdn });
                settings.ConfigureConnectionPoint?.Invoke(cp);
            },
            ConfigureChannels = channels =>
            {
                channels.ClientCertificate = settings.Certificate;
                channels.TrustedRoots.Add(settings.Pki.RootCa);
                channels.ChannelsPerInstance = settings.ChannelsPerInstance;
                channels.ChannelCheckInterval = settings.ChannelCheckInterval;
                channels.ReconnectDelay = settings.ReconnectDelay;
                channels.MaxReconnectDelay = settings.MaxReconnectDelay;
            },
            SiteRoleTls = new SiteRoleTlsSettings { ClientCertificate = settings.Certificate, TrustedRoots = [settings.Pki.RootCa] },
            TokenValidator = SiteTokenMaterial.CreateValidator(settings.SiteTokens, settings.Entra, settings.Pki.RootCa, CmTraceDefaults.ConnectionPointCategory, settings.LoggerFactory, settings.TimeProvider),
            KeepAliveTimeout = settings.ChannelKeepAliveTimeout,
            LoggerFactory = settings.LoggerFactory,
            TimeProvider = settings.TimeProvider,
            ShutdownTimeout = settings.ShutdownTimeout,
        }, cancellationToken);
    }

    /// <summary>Whether <paramref name="host"/> holds at least one open channel to each of <paramref name="channelUrls"/>.</summary>
    public static bool IsConnectedToAll(ConnectionPointHost host, IEnumerable<Uri> channelUrls)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(channelUrls);
        var open = host.Channels.Instances.Where(static i => i.OpenChannels > 0).Select(static i => i.ChannelUrl.Authority).ToHashSet(StringComparer.OrdinalIgnoreCase);
        return channelUrls.All(url => open.Contains(url.Authority));
    }
}
