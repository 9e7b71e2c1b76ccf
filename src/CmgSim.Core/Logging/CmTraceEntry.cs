using Microsoft.Extensions.Logging;

namespace CmgSim.Core.Logging;

/// <summary>A record captured on the logging thread; formatted later by the writer.</summary>
internal readonly record struct CmTraceEntry(
    string FileName,
    string Component,
    string Message,
    string? ExceptionText,
    LogLevel Level,
    DateTimeOffset Time,
    int ThreadId);
