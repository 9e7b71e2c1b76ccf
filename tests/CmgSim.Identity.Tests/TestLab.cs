using CmgSim.Identity.Certificates;
using CmgSim.Identity.Pki;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace CmgSim.Identity.Tests;

/// <summary>
/// A lab PKI in its own temp folder on a fake clock. Unless <c>fresh</c>, an ECDSA lab starts as a copy of one
/// template PKI (LoadOrCreate then only loads), which keeps the suite fast; tests that need distinct keys ask for fresh.
/// </summary>
internal sealed class TestLab : IDisposable
{
    public static readonly DateTimeOffset Start = new(2026, 11, 27, 3, 0, 0, TimeSpan.Zero);

    private static readonly Lazy<string> Template = new(CreateTemplate, LazyThreadSafetyMode.ExecutionAndPublication);

    public TestLab(LabPkiOptions? options = null, bool fresh = false)
    {
        Root = Path.Combine(Path.GetTempPath(), "cmgsim-pki-" + Guid.NewGuid().ToString("N"));
        Options = options ?? new LabPkiOptions();
        if (!fresh && Options.KeyAlgorithm == LabKeyAlgorithm.EcdsaP256)
        {
            CopyDirectory(Template.Value, PkiDirectory);
        }

        Pki = LabPki.LoadOrCreate(PkiDirectory, Options, Time);
    }

    public string Root { get; }

    public string PkiDirectory => Path.Combine(Root, "pki");

    public FakeTimeProvider Time { get; } = new(Start);

    public LabPkiOptions Options { get; }

    public LabPki Pki { get; private set; }

    public CapturingLogger<ClientCertificateValidator> Logger { get; } = new();

    public ClientCertificateValidator CreateValidator(Action<ClientCertificateValidatorOptions>? configure = null)
    {
        var options = Pki.CreateClientValidatorOptions();
        configure?.Invoke(options);
        return new ClientCertificateValidator(options, Time, Logger);
    }

    public LabPki Reload()
    {
        Pki.Dispose();
        Pki = LabPki.LoadOrCreate(PkiDirectory, Options, Time);
        return Pki;
    }

    private static string CreateTemplate()
    {
        var directory = Path.Combine(Path.GetTempPath(), "cmgsim-pki-template-" + Guid.NewGuid().ToString("N"));
        LabPki.LoadOrCreate(directory, new LabPkiOptions(), new FakeTimeProvider(Start)).Dispose();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Directory.Delete(directory, recursive: true);
        return directory;
    }

    private static void CopyDirectory(string source, string target)
    {
        foreach (var file in Directory.GetFiles(source, "*", SearchOption.AllDirectories))
        {
            var destination = Path.Combine(target, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination);
        }
    }

    public void Dispose()
    {
        Pki.Dispose();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a leftover temp folder does not fail a test.
        }
    }
}

internal sealed class CapturingLogger<T> : ILogger<T>
{
    private readonly List<(LogLevel Level, EventId EventId, string Message)> _entries = [];

    public IReadOnlyList<(LogLevel Level, EventId EventId, string Message)> Entries
    {
        get
        {
            lock (_entries)
            {
                return [.. _entries];
            }
        }
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (_entries)
        {
            _entries.Add((logLevel, eventId, formatter(state, exception)));
        }
    }
}
