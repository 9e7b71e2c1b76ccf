using CmgSim.SoftwareUpdatePoint.Catalog;
using CmgSim.SoftwareUpdatePoint.Cookies;
using CmgSim.SoftwareUpdatePoint.Registration;
using CmgSim.SoftwareUpdatePoint.Reporting;
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
    public const string ReportingWebServicePath = "/ReportingWebService/ReportingWebService.asmx";

    public static IServiceCollection AddSoftwareUpdatePoint(this IServiceCollection services, Action<SoftwareUpdatePointOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var builder = services.AddOptions<SoftwareUpdatePointOptions>();
        if (configure is not null)
        {
            builder.Configure(configure);
        }

        builder.Validate(o => !string.IsNullOrWhiteSpace(o.PlugInId) && !string.IsNullOrWhiteSpace(o.AuthServiceUrl), "SoftwareUpdatePoint:PlugInId and AuthServiceUrl must not be empty.")
            .Validate(o => o.SyncPageSize > 0 && o.CatalogSize >= 0, "SoftwareUpdatePoint:SyncPageSize must be positive and CatalogSize not negative.")
            .Validate(o => o.CookieLifetime > TimeSpan.Zero && o.AuthorizationCookieLifetime > TimeSpan.Zero, "SoftwareUpdatePoint cookie lifetimes must be positive.")
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<WsusCookieProtector>();
        services.TryAddSingleton<WsusCookies>();
        services.TryAddSingleton<UpdateCatalog>();
        services.TryAddSingleton<ComputerRegistry>();
        services.TryAddSingleton<ReportingEventStore>();
        services.TryAddSingleton<ClientWebService>();
        services.TryAddSingleton<SimpleAuthWebService>();
        services.TryAddSingleton<ReportingWebService>();
        services.TryAddSingleton<WsusSoapEndpoint>();
        return services;
    }

    /// <summary>Maps the three SOAP 1.1 services (POST); returns the group for host conventions.</summary>
    public static RouteGroupBuilder MapSoftwareUpdatePoint(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var group = endpoints.MapGroup(string.Empty);
        group.MapPost(ClientWebServicePath, context => context.RequestServices.GetRequiredService<WsusSoapEndpoint>().HandleClientWebServiceAsync(context))
            .WithDisplayName("SUP ClientWebService");
        group.MapPost(SimpleAuthPath, context => context.RequestServices.GetRequiredService<WsusSoapEndpoint>().HandleSimpleAuthAsync(context))
            .WithDisplayName("SUP SimpleAuthWebService");
        group.MapPost(ReportingWebServicePath, context => context.RequestServices.GetRequiredService<WsusSoapEndpoint>().HandleReportingAsync(context))
            .WithDisplayName("SUP ReportingWebService");
        return group;
    }
}
