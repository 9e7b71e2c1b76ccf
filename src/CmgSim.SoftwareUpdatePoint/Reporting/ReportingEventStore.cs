using System.Collections.Concurrent;

namespace CmgSim.SoftwareUpdatePoint.Reporting;

/// <summary>One ReportingEvent/BasicData as received (the fields worth asserting on).</summary>
public sealed record StoredReportingEvent(
    string ClientId,
    int NamespaceId,
    int EventId,
    int SourceId,
    Guid? UpdateId,
    int? RevisionNumber,
    int Win32HResult,
    string? AppName,
    string? TimeAtTarget,
    DateTimeOffset ReceivedAt);

/// <summary>
/// ReportEventBatch events per computer, in memory: a total count, and the latest
/// <see cref="SoftwareUpdatePointOptions.MaxStoredEventsPerComputer"/> events for inspection.
/// </summary>
public sealed class ReportingEventStore
{
    private readonly ConcurrentDictionary<string, Computer> _computers = new(StringComparer.OrdinalIgnoreCase);
    private readonly int _maxPerComputer;

    public ReportingEventStore(Microsoft.Extensions.Options.IOptions<SoftwareUpdatePointOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _maxPerComputer = Math.Max(0, options.Value.MaxStoredEventsPerComputer);
    }

    public void Add(string clientId, IReadOnlyCollection<StoredReportingEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        var computer = _computers.GetOrAdd(clientId, _ => new Computer());
        lock (computer)
        {
            computer.Count += events.Count;
            foreach (var e in events)
            {
                computer.Events.Enqueue(e);
                if (computer.Events.Count > _maxPerComputer)
                {
                    computer.Events.Dequeue();
                }
            }
        }
    }

    /// <summary>Events received from <paramref name="clientId"/> since the SUP started (not capped).</summary>
    public long CountFor(string clientId)
    {
        if (!_computers.TryGetValue(clientId, out var computer))
        {
            return 0;
        }

        lock (computer)
        {
            return computer.Count;
        }
    }

    public IReadOnlyList<StoredReportingEvent> EventsFor(string clientId)
    {
        if (!_computers.TryGetValue(clientId, out var computer))
        {
            return [];
        }

        lock (computer)
        {
            return [.. computer.Events];
        }
    }

    private sealed class Computer
    {
        public long Count { get; set; }

        public Queue<StoredReportingEvent> Events { get; } = new();
    }
}
