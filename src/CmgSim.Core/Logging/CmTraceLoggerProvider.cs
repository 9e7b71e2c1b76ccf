using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace CmgSim.Core.Logging;

/// <summary>Writes CmgSim categories to CMTrace files named after the product's logs.</summary>
[ProviderAlias("CmTrace")]
internal sealed class CmTraceLoggerProvider : ILoggerProvider, IAsyncDisposable
{
    private readonly CmTraceFileRule[] _rules;
    private readonly ConcurrentDictionary<string, ILogger> _loggers = new(StringComparer.Ordinal);

    public CmTraceLoggerProvider(IOptions<CmTraceOptions> options, TimeProvider? timeProvider = null)
        : this(options.Value, timeProvider ?? TimeProvider.System)
    {
    }

    internal CmTraceLoggerProvider(CmTraceOptions options, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _rules = options.Files.Count > 0 ? [.. options.Files] : CmTraceDefaults.Rules;
        MinimumLevel = options.MinimumLevel;
        TimeProvider = timeProvider;
        Writer = new CmTraceFileWriter(options.Directory, options.MaxFileBytes);
    }

    internal LogLevel MinimumLevel { get; }

    internal TimeProvider TimeProvider { get; }

    internal CmTraceFileWriter Writer { get; }

    public ILogger CreateLogger(string categoryName) => _loggers.GetOrAdd(categoryName, Create, this);

    /// <summary>The rule with the longest prefix of the category (plain ordinal prefix, not only whole dot segments).</summary>
    internal static CmTraceFileRule? Match(IEnumerable<CmTraceFileRule> rules, string categoryName)
    {
        CmTraceFileRule? best = null;
        foreach (var rule in rules)
        {
            var prefix = rule.CategoryPrefix;
            if (categoryName.StartsWith(prefix, StringComparison.Ordinal) && (best is null || prefix.Length > best.CategoryPrefix.Length))
            {
                best = rule;
            }
        }

        return best;
    }

    public void Dispose() => Writer.Dispose();

    public ValueTask DisposeAsync() => Writer.DisposeAsync();

    private static ILogger Create(string categoryName, CmTraceLoggerProvider provider) =>
        Match(provider._rules, categoryName) is { } rule
            ? new CmTraceLogger(rule.FileName, rule.Component, provider)
            : NullLogger.Instance;
}
