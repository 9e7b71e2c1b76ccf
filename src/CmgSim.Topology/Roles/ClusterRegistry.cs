using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using CmgSim.Core;

namespace CmgSim.Topology.Roles;

/// <summary>One role process's registration in the lab's cluster folder (<c>DIR/cluster/&lt;id&gt;.json</c>).</summary>
public sealed record ClusterEntry
{
    /// <summary>The registration's id and file name: <c>entra</c>, <c>mp</c>, <c>sup</c>, <c>vm-instance-2</c>, <c>connection-point-1</c>.</summary>
    public required string Id { get; init; }

    /// <summary>The role: <c>entra</c>, <c>mp</c>, <c>sup</c>, <c>vm-instance</c> or <c>connection-point</c>.</summary>
    public required string Role { get; init; }

    /// <summary>The role's name in the product's style (<c>ProxyService_IN_1</c>, <c>CMGCP01.contoso.com</c>).</summary>
    public string? Name { get; init; }

    /// <summary>
    /// The role's URL: the Entra tenant's base URL, the MP's or SUP's internal URL, a VM instance's own client URL,
    /// a connection point's health URL.
    /// </summary>
    public required string Url { get; init; }

    /// <summary>A VM instance's public URL (the port every instance shares).</summary>
    public string? PublicUrl { get; init; }

    /// <summary>A VM instance's channel URL, which connection points dial.</summary>
    public string? ChannelUrl { get; init; }

    /// <summary>A VM instance's capacity status URL (<c>GET</c>, JSON), on its own port.</summary>
    public string? StatusUrl { get; init; }

    /// <summary>A VM instance's VM size profile (<c>standard</c>, <c>large</c>, …).</summary>
    public string? VmSize { get; init; }

    public int ProcessId { get; init; }

    /// <summary>The machine and PID namespace of the process, so a reader on the same one can tell a dead registration.</summary>
    public string Host { get; init; } = "";

    public DateTimeOffset RegisteredAt { get; init; }
}

/// <summary>
/// The lab's cluster folder, <c>DIR/cluster/</c>: every role process writes one file naming its URLs once it
/// is ready and removes it when it stops; the others read the folder to find the roles they need. One file per
/// process means no two processes ever write the same file, so no lock is needed; files are written atomically
/// (temporary file, then rename). A registration whose process died without removing it is ignored when the
/// reader shares the writer's machine and PID namespace and that process is gone.
/// </summary>
public sealed class ClusterRegistry
{
    public const string DirectoryName = "cluster";

    private static readonly JsonSerializerOptions SerializerOptions = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private static readonly Lazy<string> CurrentHostKey = new(static () => Environment.MachineName + "/" + PidNamespace());

    private readonly TimeProvider _timeProvider;

    public ClusterRegistry(LabLayout layout, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(timeProvider);
        Directory = Path.Combine(layout.Root, DirectoryName);
        _timeProvider = timeProvider;
    }

    /// <summary>This process's machine and PID namespace, as registrations carry it.</summary>
    public static string CurrentHost => CurrentHostKey.Value;

    /// <summary>The folder holding the registrations.</summary>
    public string Directory { get; }

    /// <summary>How often the <c>WaitAsync</c> methods read the folder again.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    public static string InstanceId(int instanceNumber) => "vm-instance-" + instanceNumber.ToString(CultureInfo.InvariantCulture);

    public static string ConnectionPointId(int number) => "connection-point-" + number.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// Writes this process's registration (its process id, host and time are filled in) and returns it. Removes the
    /// registrations of dead processes of this host on the way (a killed process cannot remove its own).
    /// </summary>
    public ClusterEntry Register(ClusterEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        CheckId(entry.Id);
        var stamped = entry with { ProcessId = Environment.ProcessId, Host = CurrentHost, RegisteredAt = _timeProvider.GetUtcNow() };
        System.IO.Directory.CreateDirectory(Directory);
        RemoveStale();
        var path = PathOf(entry.Id);
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        try
        {
            File.WriteAllBytes(temporary, JsonSerializer.SerializeToUtf8Bytes(stamped, SerializerOptions));
            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }

        return stamped;
    }

    /// <summary>Removes the registration <paramref name="id"/> if this process wrote it (a successor's is left alone).</summary>
    public void Unregister(string id)
    {
        CheckId(id);
        var path = PathOf(id);
        if (TryRead(path) is { } entry && entry.ProcessId == Environment.ProcessId && entry.Host == CurrentHost)
        {
            File.Delete(path);
        }
    }

    /// <summary>The live registrations, by role, then number (<c>vm-instance-2</c> before <c>vm-instance-10</c>).</summary>
    public IReadOnlyList<ClusterEntry> Read()
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            return [];
        }

        return System.IO.Directory.EnumerateFiles(Directory, "*.json")
            .Select(TryRead)
            .Where(static e => e is not null && !IsStale(e))
            .Select(static e => e!)
            .OrderBy(static e => e.Role, StringComparer.Ordinal)
            .ThenBy(static e => NumberOf(e) ?? 0)
            .ThenBy(static e => e.Id, StringComparer.Ordinal)
            .ToArray();
    }

    /// <summary>The live registration <paramref name="id"/>, or null.</summary>
    public ClusterEntry? Find(string id)
    {
        CheckId(id);
        return TryRead(PathOf(id)) is { } entry && !IsStale(entry) ? entry : null;
    }

    /// <summary>The live registrations of <paramref name="role"/>, in number order (<c>vm-instance-2</c> before <c>vm-instance-10</c>).</summary>
    public IReadOnlyList<ClusterEntry> FindRole(string role) => Read().Where(e => e.Role == role).ToArray();

    /// <summary>
    /// Reads the folder until <paramref name="ready"/> returns a value, for at most <paramref name="timeout"/>.
    /// </summary>
    /// <exception cref="TimeoutException">Not ready in time; the message says what was awaited.</exception>
    public Task<T> WaitAsync<T>(Func<IReadOnlyList<ClusterEntry>, T?> ready, TimeSpan timeout, string what, CancellationToken cancellationToken = default)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(ready);
        return WaitAsync((entries, _) => Task.FromResult(ready(entries)), timeout, what, cancellationToken);
    }

    /// <inheritdoc cref="WaitAsync{T}(Func{IReadOnlyList{ClusterEntry}, T}, TimeSpan, string, CancellationToken)"/>
    public async Task<T> WaitAsync<T>(Func<IReadOnlyList<ClusterEntry>, CancellationToken, Task<T?>> ready, TimeSpan timeout, string what, CancellationToken cancellationToken = default)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(ready);
        var started = _timeProvider.GetTimestamp();
        while (true)
        {
            if (await ready(Read(), cancellationToken) is { } result)
            {
                return result;
            }

            if (_timeProvider.GetElapsedTime(started) >= timeout)
            {
                throw new TimeoutException($"Waited {timeout.TotalSeconds:0} s for {what} to register in {Directory}.");
            }

            await Task.Delay(PollInterval, _timeProvider, cancellationToken);
        }
    }

    /// <summary>Waits for the registration <paramref name="id"/>.</summary>
    public Task<ClusterEntry> WaitForAsync(string id, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        WaitAsync(entries => entries.FirstOrDefault(e => e.Id == id), timeout, id, cancellationToken);

    /// <summary>Whether <paramref name="entry"/> belongs to another process on this machine that is still running.</summary>
    public static bool IsHeldByAnotherLiveProcess(ClusterEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return entry.Host == CurrentHost && entry.ProcessId != Environment.ProcessId && entry.ProcessId > 0 && !IsStale(entry);
    }

    /// <summary>Whether the process that wrote <paramref name="entry"/> is known to be gone.</summary>
    public static bool IsStale(ClusterEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (entry.Host != CurrentHost || entry.ProcessId == Environment.ProcessId || entry.ProcessId <= 0)
        {
            // Another machine or container: its processes cannot be seen from here.
            return false;
        }

        try
        {
            using var process = Process.GetProcessById(entry.ProcessId);
            return process.HasExited;
        }
        catch (ArgumentException)
        {
            return true;
        }
        catch (InvalidOperationException)
        {
            return true;
        }
    }

    /// <summary>The number at the end of the id (<c>vm-instance-2</c> → 2), or null.</summary>
    public static int? NumberOf(ClusterEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var dash = entry.Id.LastIndexOf('-');
        return dash >= 0 && int.TryParse(entry.Id.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var number) ? number : null;
    }

    private void RemoveStale()
    {
        foreach (var path in System.IO.Directory.EnumerateFiles(Directory, "*.json"))
        {
            if (TryRead(path) is { } existing && IsStale(existing))
            {
                try
                {
                    File.Delete(path);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    // Another reader removes it, or it stays ignored.
                }
            }
        }
    }

    private string PathOf(string id) => Path.Combine(Directory, id + ".json");

    private static ClusterEntry? TryRead(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<ClusterEntry>(File.ReadAllBytes(path), SerializerOptions);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }
    }

    private static void CheckId(string id)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        if (!id.All(static c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-'))
        {
            throw new ArgumentException($"'{id}' is not a registration id (lower-case letters, digits and '-').", nameof(id));
        }
    }

    /// <summary>The PID namespace on Linux (<c>pid:[4026531836]</c>): containers sharing a host name still differ in it.</summary>
    private static string PidNamespace()
    {
        try
        {
            return OperatingSystem.IsLinux() ? new FileInfo("/proc/self/ns/pid").LinkTarget ?? "" : "";
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }
}
