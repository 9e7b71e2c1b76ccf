using System.Globalization;
using System.Text.Json;
using CmgSim.CloudService.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace CmgSim.CloudService.Capacity;

/// <summary>Wires the capacity model into a VM instance: services, the connection count, headers and the status endpoint.</summary>
internal static class CapacityExtensions
{
    public static IServiceCollection AddVmCapacity(this IServiceCollection services)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CloudServiceOptions>, CapacityOptionsValidator>());
        services.TryAddSingleton<VmCapacity>();
        return services;
    }

    /// <summary>Counts the listener's connections as client connections of the instance.</summary>
    public static ListenOptions UseVmCapacity(this ListenOptions listen)
    {
        listen.Use(next =>
        {
            var capacity = listen.ApplicationServices.GetRequiredService<VmCapacity>();
            return connection => capacity.OnConnectionAsync(connection, next);
        });
        return listen;
    }

    /// <summary>
    /// Names the instance on every response to a client connection (<see cref="VmCapacityProtocol.VmInstanceHeader"/>),
    /// and the added delay of a delayed one. Written as the response starts, so error answers carry them too.
    /// </summary>
    public static IApplicationBuilder UseVmInstanceHeaders(this IApplicationBuilder app) => app.Use(static (context, next) =>
    {
        if (context.Features.Get<VmClientConnection>() is not null)
        {
            context.Response.OnStarting(WriteHeaders, context);
        }

        return next(context);
    });

    private static Task WriteHeaders(object state)
    {
        var context = (HttpContext)state;
        var headers = context.Response.Headers;
        headers[VmCapacityProtocol.VmInstanceHeader] = context.Features.Get<VmClientConnection>()!.Capacity.InstanceHeaderValue;
        if (context.Features.Get<CmgRequestFeature>() is { } request)
        {
            headers[VmCapacityProtocol.ClientConnectionsHeader] = request.ClientConnections.ToString(CultureInfo.InvariantCulture);
            if (request.AddedDelay > TimeSpan.Zero)
            {
                headers[VmCapacityProtocol.AddedDelayHeader] = ((long)request.AddedDelay.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
            }
        }

        return Task.CompletedTask;
    }

    /// <summary><c>GET /cmgsim/vm-status</c> on the instance listener; 404 on the others.</summary>
    public static IEndpointRouteBuilder MapVmStatus(this IEndpointRouteBuilder endpoints)
    {
        var capacity = endpoints.ServiceProvider.GetRequiredService<VmCapacity>();
        endpoints.MapGet(VmCapacityProtocol.StatusPath, (HttpContext context) =>
        {
            if (context.Features.Get<VmListenerFeature>()?.Kind != VmListenerKind.Instance)
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            }

            // A monitoring connection is not a client of the CMG: stop counting it before answering.
            context.Features.Get<VmClientConnection>()?.Release();
            return context.Response.WriteAsJsonAsync(capacity.GetStatus(), JsonSerializerOptions.Web, context.RequestAborted);
        });
        return endpoints;
    }

    private sealed class CapacityOptionsValidator : IValidateOptions<CloudServiceOptions>
    {
        public ValidateOptionsResult Validate(string? name, CloudServiceOptions options)
        {
            var errors = options.Capacity.Validate();
            return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
        }
    }
}
