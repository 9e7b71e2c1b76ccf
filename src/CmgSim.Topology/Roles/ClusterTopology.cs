using System.Text.Json;
using CmgSim.Core.Topology;
using CmgSim.Identity.Pki;

namespace CmgSim.Topology.Roles;

/// <summary>What a multi-process topology must hold before its <c>topology.json</c> is written.</summary>
public sealed class ClusterTopologyRequirements
{
    /// <summary>VM instances that must be registered (more are listed too). Default 1.</summary>
    public int Instances { get; init; } = 1;

    /// <summary>Connection points that must be registered, each holding a channel to every registered VM instance. Default 1.</summary>
    public int ConnectionPoints { get; init; } = 1;

    /// <summary>Whether the Entra tenant is part of the topology (it must be registered). Default true.</summary>
    public bool Entra { get; init; } = true;
}

/// <summary>
/// Assembles <c>topology.json</c> for roles running as separate processes, from their registrations in the
/// cluster folder, once the topology is ready as <c>cmgsim up</c> defines it: every role there and every
/// connection point connected to every VM instance (read from the connection points' health endpoints).
/// </summary>
public sealed class ClusterTopology
{
    public required RoleLabSettings Lab { get; init; }

    public required LabPki Pki { get; init; }

    public required ClusterTopologyRequirements Requirements { get; init; }

    /// <summary>The site token service (hierarchy id, signing certificate PEM); null leaves <c>siteTokens</c> out.</summary>
    public SiteTokenMaterial? SiteTokens { get; init; }

    /// <summary>Reads the connection points' health endpoints.</summary>
    public required HttpClient Health { get; init; }

    /// <summary>The document when the registrations describe a ready topology; else null and what is still missing.</summary>
    public async Task<(TopologyDocument? Document, string Missing)> TryBuildAsync(IReadOnlyList<ClusterEntry> entries, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var missing = new List<string>();
        var mp = entries.FirstOrDefault(static e => e.Role == ClusterRoles.ManagementPoint);
        var sup = entries.FirstOrDefault(static e => e.Role == ClusterRoles.SoftwareUpdatePoint);
        var entra = entries.FirstOrDefault(static e => e.Role == ClusterRoles.Entra);
        var instances = entries.Where(static e => e.Role == ClusterRoles.VmInstance && e.ChannelUrl is not null && e.PublicUrl is not null).ToArray();
        var connectionPoints = entries.Where(static e => e.Role == ClusterRoles.ConnectionPoint).ToArray();
        if (mp is null)
        {
            missing.Add(ClusterRoles.ManagementPoint);
        }

        if (sup is null)
        {
            missing.Add(ClusterRoles.SoftwareUpdatePoint);
        }

        if (Requirements.Entra && entra is null)
        {
            missing.Add(ClusterRoles.Entra);
        }

        if (instances.Length < Requirements.Instances)
        {
            missing.Add($"{Requirements.Instances - instances.Length} more {ClusterRoles.VmInstance}");
        }

        if (connectionPoints.Length < Requirements.ConnectionPoints)
        {
            missing.Add($"{Requirements.ConnectionPoints - connectionPoints.Length} more {ClusterRoles.ConnectionPoint}");
        }

        if (missing.Count > 0)
        {
            return (null, string.Join(", ", missing));
        }

        var channelUrls = instances.Select(static i => new Uri(i.ChannelUrl!)).ToArray();
        foreach (var connectionPoint in connectionPoints)
        {
            var open = await ReadOpenChannelsAsync(new Uri(connectionPoint.Url), cancellationToken);
            var unconnected = channelUrls.Where(url => !open.Contains(url.Authority)).Select(static url => url.Authority).ToArray();
            if (unconnected.Length > 0)
            {
                missing.Add($"{connectionPoint.Name ?? connectionPoint.Id} has no channel to {string.Join(", ", unconnected)}");
            }
        }

        if (missing.Count > 0)
        {
            return (null, string.Join("; ", missing));
        }

        var document = new TopologyDocumentBuilder
        {
            Lab = Lab,
            Pki = Pki,
            PublicUrl = new Uri(instances[0].PublicUrl!),
            Instances = instances.Select(static i => TopologyDocumentBuilder.Instance(i.Name ?? i.Id, new Uri(i.Url), new Uri(i.ChannelUrl!), i.StatusUrl is null ? null : new Uri(i.StatusUrl))).ToArray(),

            // The schema's vmSize is every instance's; instances run with different --vm-size leave it out.
            VmSize = instances.Select(static i => i.VmSize).Distinct(StringComparer.OrdinalIgnoreCase).Count() == 1 ? instances[0].VmSize : null,
            ConnectionPoints = connectionPoints.Select(c => new ConnectionPointEntry { Name = c.Name ?? c.Id, SiteCode = Lab.SiteCode, HealthUrl = c.Url.TrimEnd('/') }).ToArray(),
            ManagementPointUrl = new Uri(mp!.Url),
            SoftwareUpdatePointUrl = new Uri(sup!.Url),
            Entra = Requirements.Entra ? EntraTrust.ForLab(new Uri(entra!.Url), Pki.Clients.Select(static c => c.Name)) : null,
            SiteTokens = SiteTokens is { } site ? (site.HierarchyId, site.SigningCertificatePemPath) : null,
        }.Build();
        return (document, string.Empty);
    }

    /// <summary>The VM instances (by host:port) a connection point's health endpoint reports open channels to.</summary>
    private async Task<HashSet<string>> ReadOpenChannelsAsync(Uri healthUrl, CancellationToken cancellationToken)
    {
        var open = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        try
        {
            // 503 while not connected to every instance it dials: the body says which.
            using var response = await Health.GetAsync(healthUrl, cancellationToken);
            using var health = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
            if (health.RootElement.TryGetProperty("instances", out var list) && list.ValueKind == JsonValueKind.Array)
            {
                foreach (var instance in list.EnumerateArray())
                {
                    if (instance.TryGetProperty("openChannels", out var channels) && channels.TryGetInt32(out var count) && count > 0
                        && instance.TryGetProperty("channelUrl", out var url) && Uri.TryCreate(url.GetString(), UriKind.Absolute, out var channelUrl))
                    {
                        open.Add(channelUrl.Authority);
                    }
                }
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            // Unreachable or not answering yet: no channels known.
        }

        return open;
    }
}
