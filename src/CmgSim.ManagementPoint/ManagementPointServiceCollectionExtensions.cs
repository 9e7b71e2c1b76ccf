using CmgSim.ManagementPoint.Authority;
using CmgSim.ManagementPoint.CcmMessaging;
using CmgSim.ManagementPoint.Inventory;
using CmgSim.ManagementPoint.LocationManager;
using CmgSim.ManagementPoint.Notification;
using CmgSim.ManagementPoint.Policy;
using CmgSim.ManagementPoint.Registration;
using CmgSim.ManagementPoint.SecurityTokenService;
using CmgSim.ManagementPoint.SiteDatabase;
using CmgSim.ManagementPoint.StateMessages;
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
        services.TryAddSingleton<CcmStsEndpoint>();
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

        // Inventory/discovery (client-protocols §3.6) and state/status messages (§3.7): stored before the acknowledgement.
        services.TryAddSingleton<InventoryStore>();
        services.TryAddSingleton<InventoryIntake>();
        services.TryAddSingleton<DdrEndpoint>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ICcmMessageHandler, DdrEndpoint>(static sp => sp.GetRequiredService<DdrEndpoint>()));
        services.TryAddSingleton<HinvEndpoint>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ICcmMessageHandler, HinvEndpoint>(static sp => sp.GetRequiredService<HinvEndpoint>()));
        services.TryAddSingleton<SinvEndpoint>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ICcmMessageHandler, SinvEndpoint>(static sp => sp.GetRequiredService<SinvEndpoint>()));
        services.TryAddSingleton<StateMessageStore>();
        services.TryAddSingleton<RelayEndpoint>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ICcmMessageHandler, RelayEndpoint>(static sp => sp.GetRequiredService<RelayEndpoint>()));
        services.AddClientNotification();
        services.AddManagementPointPolicy();
        return services;
    }

    /// <summary>Lets token clients in: <c>CCM_STS</c> issues CCM tokens and <c>ccm_system_tokenauth</c> accepts them.</summary>
    public static IServiceCollection AddManagementPointTokenAuthentication(this IServiceCollection services, ManagementPointTokenAuthentication tokens)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(tokens);
        services.AddSingleton(tokens);
        return services;
    }
}
