using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace CmgSim.FunctionalTests;

/// <summary>One captured log record.</summary>
internal sealed record LogRecord(DateTimeOffset Time, string Category, LogLevel Level, EventId EventId, string Message, Exception? Exception)
{
    public override string ToString() => $"{Time:HH:mm:ss.fff} {Level} {Category}[{EventId.Id}]: {Message}{(Exception is null ? string.Empty : " " + Exception.GetType().Name + ": " + Exception.Message)}";
}

/// <summary>Keeps every log record of a topology in memory, so tests can assert what the roles said and why.</summary>
internal sealed class InMemoryLoggerProvider : ILoggerProvider
{
    private readonly ConcurrentQueue<LogRecord> _records = new();

    public IReadOnlyCollection<LogRecord> Records => _records;

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _records);

    /// <summary>
    /// The first record matching <paramref name="predicate"/> among those after the first <paramref name="since"/>,
    /// waiting up to <paramref name="timeout"/> for it.
    /// </summary>
    public async Task<LogRecord> WaitForAsync(Func<LogRecord, bool> predicate, TimeSpan timeout, string because, int since = 0)
    {
        var started = TimeProvider.System.GetTimestamp();
        while (true)
        {
            if (_records.Skip(since).FirstOrDefault(predicate) is { } match)
            {
                return match;
            }

            if (TimeProvider.System.GetElapsedTime(started) > timeout)
            {
                var recent = string.Join(Environment.NewLine, _records.Reverse().Take(40).Reverse());
                throw new Xunit.Sdk.XunitException($"No log record {because} within {timeout}. Latest records:{Environment.NewLine}{recent}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20), TimeProvider.System);
        }
    }

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<LogRecord> records) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            records.Enqueue(new LogRecord(TimeProvider.System.GetUtcNow(), category, logLevel, eventId, formatter(state, exception), exception));
    }
}
