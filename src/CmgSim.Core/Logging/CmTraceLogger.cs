using Microsoft.Extensions.Logging;

namespace CmgSim.Core.Logging;

/// <summary>Captures a record on the caller's thread (time, thread id, text) and hands it to the writer.</summary>
internal sealed class CmTraceLogger : ILogger
{
    private readonly string _fileName;
    private readonly string _component;
    private readonly CmTraceLoggerProvider _provider;

    public CmTraceLogger(string fileName, string component, CmTraceLoggerProvider provider)
    {
        _fileName = fileName;
        _component = component;
        _provider = provider;
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None && logLevel >= _provider.MinimumLevel;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel))
        {
            return;
        }

        ArgumentNullException.ThrowIfNull(formatter);
        var message = formatter(state, exception) ?? "";

        // The exception is rendered now: its stack trace may change once it is rethrown.
        _provider.Writer.Enqueue(new CmTraceEntry(
            _fileName,
            _component,
            message,
            exception?.ToString(),
            logLevel,
            _provider.TimeProvider.GetUtcNow(),
            Environment.CurrentManagedThreadId));
    }
}
