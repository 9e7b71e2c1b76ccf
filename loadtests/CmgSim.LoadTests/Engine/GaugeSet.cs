using System.Collections.Concurrent;

namespace CmgSim.LoadTests.Engine;

/// <summary>Custom gauges a scenario pushes; lock-free, sampled by the runner once per window.</summary>
internal sealed class GaugeSet
{
    private readonly ConcurrentDictionary<string, Cell> _cells = new(StringComparer.Ordinal);

    public void Set(string name, double value) => Interlocked.Exchange(ref GetCell(name).Value, value);

    public void Add(string name, double delta)
    {
        ref var location = ref GetCell(name).Value;
        var current = Volatile.Read(ref location);
        while (true)
        {
            var seen = Interlocked.CompareExchange(ref location, current + delta, current);
            if (seen.Equals(current))
            {
                return;
            }

            current = seen;
        }
    }

    public bool IsEmpty => _cells.IsEmpty;

    public IReadOnlyDictionary<string, double> Sample()
    {
        var values = new SortedDictionary<string, double>(StringComparer.Ordinal);
        foreach (var (name, cell) in _cells)
        {
            values[name] = Volatile.Read(ref cell.Value);
        }

        return values;
    }

    private Cell GetCell(string name) =>
        _cells.TryGetValue(name, out var cell) ? cell : _cells.GetOrAdd(name, static _ => new Cell());

    private sealed class Cell
    {
        public double Value;
    }
}
