using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace CmgSim.FunctionalTests.Roles;

/// <summary>A <c>cmgsim</c> process as a user starts it (<c>dotnet cmgsim.dll …</c>), its output kept and watched line by line.</summary>
internal sealed class CmgsimProcess : IDisposable
{
    private static readonly string Cmgsim = Path.Combine(AppContext.BaseDirectory, "cmgsim.dll");

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly List<(string Prefix, TaskCompletionSource<string> Seen)> _watches = [];

    private CmgsimProcess(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    public string Name { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Everything written to stdout and stderr so far.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static CmgsimProcess Start(string name, params string[] arguments)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Cmgsim);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        var process = new CmgsimProcess(name, new Process { StartInfo = info });
        process._process.OutputDataReceived += (_, e) => process.Received(e.Data);
        process._process.ErrorDataReceived += (_, e) => process.Received(e.Data);
        process._process.Start();
        process._process.BeginOutputReadLine();
        process._process.BeginErrorReadLine();
        return process;
    }

    /// <summary>Runs a command to its end: exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(TimeSpan timeout, params string[] arguments)
    {
        using var process = Start(arguments[0], arguments);
        await process.WaitForExitAsync(timeout);
        return (process.ExitCode, process.Output);
    }

    /// <summary>The first output line starting with <paramref name="prefix"/> (already written or still to come).</summary>
    public Task<string> WaitForLineAsync(string prefix, TimeSpan timeout)
    {
        var seen = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_output)
        {
            var line = _output.ToString().Split('\n').Select(static l => l.TrimEnd('\r')).FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal));
            if (line is not null)
            {
                return Task.FromResult(line);
            }

            _watches.Add((prefix, seen));
        }

        return WaitForLineOrExitAsync(seen.Task, prefix, timeout);
    }

    public Task WaitForExitAsync(TimeSpan timeout) => WaitAsync(_process.WaitForExitAsync(), timeout, "its exit");

    /// <summary>Sends SIGTERM, as <c>docker stop</c> and service managers do.</summary>
    public async Task TerminateAsync()
    {
        using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }

        _process.Dispose();
    }

    private async Task WaitAsync(Task task, TimeSpan timeout, string what)
    {
        try
        {
            await task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{Name} (exited: {_process.HasExited}) did not show {what} within {timeout.TotalSeconds:0} s. Output:\n{Output}");
        }
    }

    private async Task<string> WaitForLineOrExitAsync(Task<string> line, string prefix, TimeSpan timeout)
    {
        // A process that exits without the line fails at once, with its output.
        await WaitAsync(Task.WhenAny(line, _process.WaitForExitAsync()), timeout, $"'{prefix}'");
        if (!line.IsCompleted)
        {
            // The exit may be noticed before the last lines are read.
            await Task.WhenAny(line, Task.Delay(TimeSpan.FromSeconds(1)));
        }

        return line.IsCompleted
            ? await line
            : throw new InvalidOperationException($"{Name} exited with {_process.ExitCode} before showing '{prefix}'. Output:\n{Output}");
    }

    private void Received(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
            foreach (var (prefix, seen) in _watches.Where(w => line.StartsWith(w.Prefix, StringComparison.Ordinal)).ToArray())
            {
                seen.TrySetResult(line);
            }
        }
    }
}
