using System.Globalization;
using System.Threading.Channels;
using Spectre.Console;

namespace CmgSim.LoadTests.Engine.Progress;

/// <summary>A Spectre.Console live table, refreshed once per window; the summary table when the run ends.</summary>
internal sealed class LiveProgress : IProgressSink
{
    private readonly Channel<ProgressSnapshot> _updates = Channel.CreateBounded<ProgressSnapshot>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    private Task _display = Task.CompletedTask;

    public void Start(string title)
    {
        var table = NewTable(title);
        _display = AnsiConsole.Live(table).AutoClear(false).StartAsync(async context =>
        {
            await foreach (var snapshot in _updates.Reader.ReadAllAsync())
            {
                table.Rows.Clear();
                table.Caption = new TableTitle(string.Create(CultureInfo.InvariantCulture, $"elapsed {snapshot.ElapsedSeconds:0.0} s"));
                foreach (var row in snapshot.Rows)
                {
                    table.AddRow(
                        Markup.Escape(row.Scenario),
                        PlainProgress.Phase(row.Phase),
                        Number(row.Copies),
                        Number(row.Rps, "0.0"),
                        Number(row.Ok),
                        row.Fail > 0 ? $"[red]{Number(row.Fail)}[/]" : "0",
                        Number(row.P50Ms, "0.###"),
                        Number(row.P95Ms, "0.###"),
                        Number(row.P99Ms, "0.###"),
                        Number(row.LateStarts),
                        Number(row.Dropped));
                }

                context.Refresh();
            }
        });
    }

    public void Update(ProgressSnapshot snapshot) => _updates.Writer.TryWrite(snapshot);

    public async Task CompleteAsync(RunResult result)
    {
        _updates.Writer.TryComplete();
        await _display;

        // Plain text, not a Spectre renderable: the summary must not wrap at the terminal width.
        await Console.Out.WriteAsync(ConsoleSummary.Text(result));
        await Console.Out.FlushAsync();
    }

    private static Table NewTable(string title)
    {
        var table = new Table().Title(Markup.Escape(title));
        foreach (var column in new[] { "scenario", "phase", "copies", "rps", "ok", "fail", "p50 ms", "p95 ms", "p99 ms", "late", "dropped" })
        {
            table.AddColumn(column == "scenario" || column == "phase" ? new TableColumn(column) : new TableColumn(column).RightAligned());
        }

        return table;
    }

    private static string Number(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);
}
