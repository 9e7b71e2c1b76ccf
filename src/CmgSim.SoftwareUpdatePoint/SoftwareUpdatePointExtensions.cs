using CmgSim.SoftwareUpdatePoint.Soap;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CmgSim.SoftwareUpdatePoint;

public static class SoftwareUpdatePointExtensions
{
    public const string ClientWebServicePath = "/ClientWebService/client.asmx";
    public const string SimpleAuthPath = "/SimpleAuthWebService/SimpleAuth.asmx";

    public static IServiceCollection AddSoftwareUpdatePoint(this IServiceCollection services, Action<SoftwareUpdatePointOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var builder = services.AddOptions<SoftwareUpdatePointOptions>();
        if (configure is not null)
        {
            builder.Configure(configure);
        }

        builder.Validate(o => !string.IsNullOrWhiteSpace(o.PlugInId) && !string.IsNullOrWhiteSpace(o.AuthServiceUrl), "SoftwareUpdatePoint:PlugInId and AuthServiceUrl must not be empty.")
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<WsusSoapEndpoint>();
        return services;
    }

    /// <summary>Maps the two SOAP 1.1 services (POST); returns the group for host conventions.</summary>
    public static RouteGroupBuilder MapSoftwareUpdatePoint(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var group = endpoints.MapGroup(string.Empty);
        group.MapPost(ClientWebServicePath, context => context.RequestServices.GetRequiredService<WsusSoapEndpoint>().HandleClientWebServiceAsync(context))
            .WithDisplayName("SUP ClientWebService");
        group.MapPost(SimpleAuthPath, context => context.RequestServices.GetRequiredService<WsusSoapEndpoint>().HandleSimpleAuthAsync(context))
            .WithDisplayName("SUP SimpleAuthWebService");
        return group;
    }
}
