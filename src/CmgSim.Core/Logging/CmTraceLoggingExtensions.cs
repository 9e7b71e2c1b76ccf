using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace CmgSim.Core.Logging;

public static class CmTraceLoggingExtensions
{
    /// <summary>
    /// Adds the CMTrace file logger. Time comes from the registered <see cref="TimeProvider"/>, if any.
    /// <see cref="CmTraceOptions.MinimumLevel"/> alone decides what this provider writes: the builder's global
    /// minimum level does not apply to it.
    /// </summary>
    public static ILoggingBuilder AddCmTrace(this ILoggingBuilder builder, Action<CmTraceOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);

        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<ILoggerProvider, CmTraceLoggerProvider>());
        builder.Services.Configure(configure);
        builder.AddFilter<CmTraceLoggerProvider>(category: null, LogLevel.Trace);
        return builder;
    }
}
