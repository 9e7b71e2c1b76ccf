using CmgSim.CloudService.Capacity;
using CmgSim.Core.Topology;
using CmgSim.Topology;
using Microsoft.Extensions.Logging;

namespace CmgSim.LoadTests.Scenarios;

/// <summary>
/// The topology a scenario runs against: one it starts itself in this process (the default, sized for the
/// scenario), or a running one it attaches to through its <c>topology.json</c> (<c>--topology DIR</c>), e.g. a
/// <c>cmgsim up</c> in another process when the connection count needs the file descriptors of two processes.
/// </summary>
internal sealed class ScenarioTopology : IAsyncDisposable
{
    private readonly LabTopology? _owned;
    private readonly string? _ownedDirectory;

    private ScenarioTopology(TopologyDocument document, LabTopology? owned, string? ownedDirectory)
    {
        Document = document;
        _owned = owned;
        _ownedDirectory = ownedDirectory;
    }

    public TopologyDocument Document { get; }

    /// <summary>The in-process topology, when this scenario started one (null when attached).</summary>
    public LabTopology? Lab => _owned;

    /// <summary>
    /// Attaches to <paramref name="attachTo"/>, or starts a lab of <paramref name="instances"/> VM instances of
    /// <paramref name="profile"/>; its Entra tenant only when the clients need it (it doubles a small lab's start).
    /// </summary>
    public static Task<ScenarioTopology> StartOrAttachAsync(string? attachTo, VmSizeProfile profile, int instances, bool entra, ILoggerFactory loggerFactory, CancellationToken cancellationToken, Action<TopologyOptions>? configure = null) =>
        StartOrAttachAsync(
            attachTo,
            options =>
            {
                options.VmSize = profile.Name;
                options.Instances = instances;
                options.StatisticsInterval = TimeSpan.FromMinutes(10);
                options.EnableEntra = entra;
                configure?.Invoke(options);
            },
            loggerFactory,
            cancellationToken);

    public static async Task<ScenarioTopology> StartOrAttachAsync(string? attachTo, Action<TopologyOptions> configure, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        if (attachTo is not null)
        {
            var file = Path.Combine(attachTo, "topology.json");
            if (!File.Exists(file))
            {
                throw new FileNotFoundException($"No topology at {file}: start one with 'cmgsim up --lab-dir {attachTo}'.", file);
            }

            var document = await TopologyDocument.LoadAsync(file, cancellationToken);
            foreach (var url in new[] { document.PublicUrl }.Concat(document.Instances.Select(static i => i.Url)))
            {
                // Load goes to this machine only.
                if (!System.Net.IPAddress.TryParse(new Uri(url).Host.Trim('[', ']'), out var address) || !LoopbackGuard.IsLoopback(address))
                {
                    throw new InvalidOperationException($"'{url}' in {file} is not a loopback address; load tests send traffic to 127.0.0.0/8 only.");
                }
            }

            return new ScenarioTopology(document, null, null);
        }

        var directory = Path.Combine(Path.GetTempPath(), "cmgsim-load-" + Guid.NewGuid().ToString("N")[..8]);
        var options = new TopologyOptions
        {
            LabDirectory = directory,
            PublicPort = 0,
            ChannelPortBase = 0,
            EntraPort = 0,
            ClientCount = 3,
            ShutdownTimeout = TimeSpan.FromSeconds(2),
        };
        configure(options);
        var lab = await LabTopology.StartAsync(options, loggerFactory, cancellationToken: cancellationToken);
        return new ScenarioTopology(lab.Document, lab, directory);
    }

    public async ValueTask DisposeAsync()
    {
        if (_owned is not null)
        {
            await _owned.DisposeAsync();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(_ownedDirectory!, recursive: true);
            }
            catch (IOException)
            {
                // A log writer may still hold a file for a moment; the folder is in the temp directory.
            }
        }
    }
}
