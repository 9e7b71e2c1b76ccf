using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace CmgSim.Identity.Entra;

public static class EntraTenantExtensions
{
    /// <summary>
    /// Adds the local Entra ID tenants of <paramref name="options"/> (validated now: every problem in one exception).
    /// Without <paramref name="signingKeys"/> the keys are loaded or created from <see cref="EntraTenantOptions.KeyDirectory"/>
    /// and owned by the container; given keys stay the caller's. Device certificates are created when the
    /// directory is first resolved (at the latest on the first request).
    /// </summary>
    public static IServiceCollection AddEntraTenant(this IServiceCollection services, EntraTenantOptions options, EntraSigningKeys? signingKeys = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new OptionsValidationException(nameof(EntraTenantOptions), typeof(EntraTenantOptions), errors);
        }

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(options);
        if (signingKeys is not null)
        {
            services.AddSingleton(signingKeys);
        }
        else
        {
            services.AddSingleton(sp => EntraSigningKeys.LoadOrCreate(options.KeyDirectory, sp.GetRequiredService<TimeProvider>(), options.ActiveSigningKeyId));
        }

        services.AddSingleton(sp => new EntraDirectory(options, sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<EntraUrls>();
        services.TryAddSingleton<EntraTokenMinter>();
        services.TryAddSingleton<EntraAssertionValidator>();
        services.TryAddSingleton<EntraTokenEndpoint>();
        services.TryAddSingleton<EntraDiscoveryEndpoints>();
        return services;
    }

    /// <summary>
    /// Maps Entra's v2 endpoints (<c>{tenant}</c> = tenant id or verified domain): <c>/{tenant}/v2.0/.well-known/openid-configuration</c>,
    /// <c>/{tenant}/discovery/v2.0/keys</c>, <c>POST /{tenant}/oauth2/v2.0/token</c>, <c>/common/discovery/instance</c>
    /// and <c>/common/userrealm/{username}</c>.
    /// </summary>
    public static IEndpointRouteBuilder MapEntraTenant(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var discovery = endpoints.ServiceProvider.GetRequiredService<EntraDiscoveryEndpoints>();
        var token = endpoints.ServiceProvider.GetRequiredService<EntraTokenEndpoint>();

        // Resolving the directory here creates the device certificates before the host accepts requests.
        endpoints.ServiceProvider.GetRequiredService<EntraDirectory>();

        endpoints.MapGet("/{tenant}/v2.0/.well-known/openid-configuration", (HttpContext context, string tenant) => discovery.OpenIdConfigurationAsync(context, tenant))
            .WithDisplayName("Entra openid-configuration");
        endpoints.MapGet("/{tenant}/discovery/v2.0/keys", (HttpContext context, string tenant) => discovery.KeysAsync(context, tenant))
            .WithDisplayName("Entra JWKS");
        endpoints.MapPost("/{tenant}/oauth2/v2.0/token", (HttpContext context, string tenant) => token.HandleAsync(context, tenant))
            .WithDisplayName("Entra token");
        endpoints.MapGet("/common/discovery/instance", (HttpContext context) => discovery.InstanceDiscoveryAsync(context))
            .WithDisplayName("Entra instance discovery");
        endpoints.MapGet("/common/userrealm/{username}", (HttpContext context, string username) => discovery.UserRealmAsync(context, username))
            .WithDisplayName("Entra user realm");
        return endpoints;
    }
}
