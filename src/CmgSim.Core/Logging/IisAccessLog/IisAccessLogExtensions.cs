using CmgSim.Core.Logging.IisAccessLog;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

public static class IisAccessLogExtensions
{
    /// <summary>Adds an IIS-style W3C access log (<c>u_exYYMMDD.log</c>).</summary>
    public static IServiceCollection AddIisAccessLog(this IServiceCollection services, Action<IisAccessLogOptions> configure)
    {
        services.AddOptions<IisAccessLogOptions>()
            .Configure(configure)
            .Validate(static o => !string.IsNullOrWhiteSpace(o.Directory), "IisAccessLogOptions.Directory is required.")
            .Validate(static o => o.QueueCapacity > 0, "IisAccessLogOptions.QueueCapacity must be positive.")
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IisAccessLogWriter>();
        return services;
    }

    /// <summary>Logs every request that passes this point once its response is done (first in the pipeline, as IIS logs).</summary>
    public static IApplicationBuilder UseIisAccessLog(this IApplicationBuilder app)
    {
        var writer = app.ApplicationServices.GetRequiredService<IisAccessLogWriter>();
        var timeProvider = app.ApplicationServices.GetRequiredService<TimeProvider>();
        return app.Use(async (HttpContext context, RequestDelegate next) =>
        {
            var started = timeProvider.GetTimestamp();
            try
            {
                await next(context);
            }
            finally
            {
                await writer.EnqueueAsync(context, timeProvider.GetElapsedTime(started));
            }
        });
    }
}
