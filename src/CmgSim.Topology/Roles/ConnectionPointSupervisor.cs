using CmgSim.ConnectionPoint.Hosting;
using Microsoft.Extensions.Logging;

namespace CmgSim.Topology.Roles;

/// <summary>Where a connection point forwards and which VM instances it dials.</summary>
public sealed record ConnectionPointTargets(Uri ManagementPointUrl, Uri SoftwareUpdatePointUrl, IReadOnlyList<Uri> VmInstanceChannelUrls)
{
    /// <summary>
    /// The targets the cluster folder names: the registered MP and SUP (else those of <paramref name="current"/>)
    /// and every registered VM instance, each replaced by a fixed value when one is given. Null while the MP, the
    /// SUP or <paramref name="minimumInstances"/> VM instances are still unknown.
    /// </summary>
    public static ConnectionPointTargets? FromCluster(
        IReadOnlyList<ClusterEntry> entries,
        ConnectionPointTargets? current = null,
        int minimumInstances = 1,
        Uri? managementPointUrl = null,
        Uri? softwareUpdatePointUrl = null,
        IReadOnlyList<Uri>? channelUrls = null)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var mp = managementPointUrl
            ?? (entries.FirstOrDefault(static e => e.Role == ClusterRoles.ManagementPoint) is { } m ? new Uri(m.Url) : current?.ManagementPointUrl);
        var sup = softwareUpdatePointUrl
            ?? (entries.FirstOrDefault(static e => e.Role == ClusterRoles.SoftwareUpdatePoint) is { } s ? new Uri(s.Url) : current?.SoftwareUpdatePointUrl);
        var instances = channelUrls
            ?? entries.Where(static e => e.Role == ClusterRoles.VmInstance && e.ChannelUrl is not null).Select(static e => new Uri(e.ChannelUrl!)).ToArray();
        return mp is null || sup is null || instances.Count == 0 || instances.Count < minimumInstances ? null : new ConnectionPointTargets(mp, sup, instances);
    }

    /// <summary>Same MP, SUP and set of VM instances (in any order).</summary>
    public bool SameAs(ConnectionPointTargets? other) =>
        other is not null
        && ManagementPointUrl == other.ManagementPointUrl
        && SoftwareUpdatePointUrl == other.SoftwareUpdatePointUrl
        && VmInstanceChannelUrls.ToHashSet().SetEquals(other.VmInstanceChannelUrls);
}

/// <summary>
/// Runs one connection point and moves it to new targets: VM instances are added and removed while it runs (the
/// CMG scales out and in); its URL mappings are fixed when its host starts, so a moved MP or SUP means stopping
/// the host (its channels drain) and starting it again, with the same name, certificate and health port.
/// </summary>
public sealed partial class ConnectionPointSupervisor : IAsyncDisposable
{
    private readonly Func<ConnectionPointTargets, ConnectionPointRoleSettings> _settingsFor;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);

    public ConnectionPointSupervisor(Func<ConnectionPointTargets, ConnectionPointRoleSettings> settingsFor, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(settingsFor);
        ArgumentNullException.ThrowIfNull(logger);
        _settingsFor = settingsFor;
        _logger = logger;
    }

    /// <summary>The running host; null before the first start and after dispose.</summary>
    public ConnectionPointHost? Host { get; private set; }

    public ConnectionPointTargets? Targets { get; private set; }

    /// <summary>
    /// Starts the host on <paramref name="targets"/>, or moves the running one to them: VM instances that came or
    /// went are added or removed while it runs; a moved MP or SUP (its URL mappings are fixed when the host
    /// starts) restarts it.
    /// </summary>
    /// <returns>Whether anything changed.</returns>
    public async Task<bool> ApplyAsync(ConnectionPointTargets targets, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(targets);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (Host is { } running && Targets is { } current)
            {
                if (targets.SameAs(current))
                {
                    return false;
                }

                if (targets.ManagementPointUrl == current.ManagementPointUrl && targets.SoftwareUpdatePointUrl == current.SoftwareUpdatePointUrl)
                {
                    var added = targets.VmInstanceChannelUrls.Except(current.VmInstanceChannelUrls).ToArray();
                    var removed = current.VmInstanceChannelUrls.Except(targets.VmInstanceChannelUrls).ToArray();
                    Log.Moving(_logger, running.Name, targets.VmInstanceChannelUrls.Count, Authorities(added), Authorities(removed));
                    foreach (var url in added)
                    {
                        running.AddVmInstance(url);
                    }

                    foreach (var url in removed)
                    {
                        await running.RemoveVmInstanceAsync(url);
                    }

                    Targets = targets;
                    return true;
                }

                Log.Restarting(_logger, running.Name, targets.ManagementPointUrl.Authority, targets.SoftwareUpdatePointUrl.Authority);
                Host = null;
                await running.DisposeAsync();
            }

            Host = await ConnectionPointRole.StartAsync(_settingsFor(targets), cancellationToken);
            Targets = targets;
            return true;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Follows the cluster folder until <paramref name="cancellationToken"/> is cancelled: when the targets
    /// <paramref name="resolve"/> makes of the registrations (and the current targets) differ from the running ones
    /// in two reads in a row, the host moves to them.
    /// </summary>
    public async Task FollowAsync(
        ClusterRegistry registry,
        Func<IReadOnlyList<ClusterEntry>, ConnectionPointTargets?, ConnectionPointTargets?> resolve,
        TimeSpan interval,
        TimeProvider timeProvider,
        Action<ConnectionPointHost>? moved = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(resolve);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ConnectionPointTargets? pending = null;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(interval, timeProvider, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            var seen = resolve(registry.Read(), Targets);
            if (seen is null || (Host is not null && seen.SameAs(Targets)))
            {
                pending = null;
                continue;
            }

            // A change must hold for two reads: when a whole lab stops, the VM instances' files go before this process is told to stop.
            if (!seen.SameAs(pending))
            {
                pending = seen;
                continue;
            }

            pending = null;
            try
            {
                if (await ApplyAsync(seen, cancellationToken) && Host is { } host)
                {
                    moved?.Invoke(host);
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception ex) when (ex is IOException or InvalidOperationException or HttpRequestException)
            {
                // The next read tries again (the host is down until then: the VM instances answer 503).
                Log.RestartFailed(_logger, ex.Message);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync();
        try
        {
            if (Host is { } host)
            {
                Host = null;
                await host.DisposeAsync();
            }
        }
        finally
        {
            _gate.Release();
        }

        _gate.Dispose();
    }

    private static string Authorities(IEnumerable<Uri> urls) => urls.Any() ? string.Join(", ", urls.Select(static u => u.Authority)) : "none";

    private static partial class Log
    {
        [LoggerMessage(EventId = 6101, Level = LogLevel.Information, Message = "Connection point {Name} now keeps channels to {Instances} VM instance(s): added {Added}, removed {Removed}")]
        public static partial void Moving(ILogger logger, string name, int instances, string added, string removed);

        [LoggerMessage(EventId = 6103, Level = LogLevel.Information, Message = "Connection point {Name} restarts for its new URL mappings: MP {ManagementPoint}, SUP {SoftwareUpdatePoint}")]
        public static partial void Restarting(ILogger logger, string name, string managementPoint, string softwareUpdatePoint);

        [LoggerMessage(EventId = 6102, Level = LogLevel.Error, Message = "The connection point could not move to its new targets, retrying: {Problem}")]
        public static partial void RestartFailed(ILogger logger, string problem);
    }
}
