using CmgSim.ManagementPoint.Authority;
using CmgSim.ManagementPoint.CcmMessaging;
using CmgSim.ManagementPoint.LocationManager;
using CmgSim.ManagementPoint.Registration;
using CmgSim.ManagementPoint.SiteDatabase;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace CmgSim.ManagementPoint;

public static class ManagementPointServiceCollectionExtensions
{
    /// <summary>Registers the simulated MP; options are validated when the host starts.</summary>
    public static IServiceCollection AddManagementPoint(this IServiceCollection services, Action<ManagementPointOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var builder = services.AddOptions<ManagementPointOptions>();
        if (configure is not null)
        {
            builder.Configure(configure);
        }

        builder.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ManagementPointOptions>, ManagementPointOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<SiteSigningKeyMaterial>();
        services.TryAddSingleton<SmsAutEndpoint>();
        services.TryAddSingleton<LocationManagerEndpoint>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ICcmMessageHandler, LocationManagerEndpoint>(static sp => sp.GetRequiredService<LocationManagerEndpoint>()));
        services.TryAddSingleton<CcmRequestEndpoint>();
        services.TryAddSingleton<WindowsAuthChallenge>();
        services.TryAddSingleton<SiteDatabaseStore>();
        services.TryAddSingleton<ISmsIdGenerator, RandomSmsIdGenerator>();
        services.TryAddSingleton<ClientRegistrationEndpoint>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ICcmMessageHandler, ClientRegistrationEndpoint>(static sp => sp.GetRequiredService<ClientRegistrationEndpoint>()));

        // Location (.sms_aut keywords, MP_LocationManager): hosts set LocationOptions with services.Configure.
        services.AddOptions<LocationOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<LocationOptions>, LocationOptionsValidator>());
        services.AddHttpContextAccessor();
        services.TryAddSingleton<SmsIssuingKeyMaterial>();
        services.TryAddSingleton<IUserDeviceAffinitySource, OptionsUserDeviceAffinitySource>();
        return services;
    }
}
