using System.Globalization;
using System.Net;
using CmgSim.CloudService;
using CmgSim.CloudService.ClientAuthentication;
using CmgSim.CloudService.Hosting;
using CmgSim.CloudService.TokenAuthentication;
using CmgSim.Core;
using CmgSim.Core.Logging;
using CmgSim.Core.Topology;
using CmgSim.Identity.Certificates;
using CmgSim.Identity.Pki;
using Microsoft.Extensions.Logging;

namespace CmgSim.Topology.Roles;

/// <summary>Everything needed to start one CMG VM instance as a role.</summary>
public sealed class VmInstanceRoleSettings
{
    /// <summary>1 to 16; names the instance <c>ProxyService_IN_&lt;n − 1&gt;</c>.</summary>
    public required int InstanceNumber { get; init; }

    public required RoleLabSettings Lab { get; init; }

    public required LabPki Pki { get; init; }

    /// <summary>The public endpoint every instance shares (SO_REUSEPORT, also across processes).</summary>
    public required IPEndPoint PublicEndpoint { get; init; }

    /// <summary>This instance's own client endpoint. Port 0 picks a free port.</summary>
    public required IPEndPoint InstanceEndpoint { get; init; }

    /// <summary>The channel endpoint connection points dial. Port 0 picks a free port.</summary>
    public required IPEndPoint ChannelEndpoint { get; init; }

    /// <summary>"Verify client certificate revocation"; on by default, as in the product.</summary>
    public bool VerifyClientCertificateRevocation { get; init; } = true;

    /// <summary>Site tokens the instance accepts on ServerAuth URLs; null accepts none.</summary>
    public SiteTokenMaterial? SiteTokens { get; init; }

    /// <summary>The onboarded Entra tenant; null: Entra tokens are refused.</summary>
    public EntraTrust? Entra { get; init; }

    public TimeSpan StatisticsInterval { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long the instance keeps an idle channel connection; below the connection points' keep-alive.</summary>
    public TimeSpan IdleChannelTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Further cloud service settings, applied after the role's own (for example the VM size).</summary>
    public Action<CloudServiceOptions>? ConfigureCloudService { get; init; }

    public required ILoggerFactory LoggerFactory { get; init; }

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(5);
}

/// <summary>One VM instance of the CMG cloud service: the public, instance and channel listeners, client authentication, the URL filter.</summary>
public static class VmInstanceRole
{
    /// <summary>The product's instance name: <c>ProxyService_IN_0</c> for instance 1.</summary>
    public static string InstanceName(int instanceNumber) => "ProxyService_IN_" + (instanceNumber - 1).ToString(CultureInfo.InvariantCulture);

    public static Task<VmInstanceHost> StartAsync(VmInstanceRoleSettings settings, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentOutOfRangeException.ThrowIfLessThan(settings.InstanceNumber, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(settings.InstanceNumber, PortPlan.MaxInstances);
        return VmInstanceHost.StartAsync(new VmInstanceHostSettings
        {
            PublicEndpoint = settings.PublicEndpoint,
            InstanceEndpoint = settings.InstanceEndpoint,
            ChannelEndpoint = settings.ChannelEndpoint,
            ServerCertificate = settings.Pki.ServerCertificate,
            ServerCertificateChain = settings.Pki.GetIntermediates(),
            Validators = new CloudCertificateValidators(CreateValidator(settings), CreateValidator(settings)),
            TokenAuthentication = CreateTokenAuthentication(settings),
            Configure = cloud => Configure(cloud, settings),
            ConfigureChannels = channels => channels.IdleChannelTimeout = settings.IdleChannelTimeout,
            LoggerFactory = settings.LoggerFactory,
            TimeProvider = settings.TimeProvider,
            ShutdownTimeout = settings.ShutdownTimeout,
        }, cancellationToken);
    }

    /// <summary>The URL list the site uploads to the CMG: the MP and the SUP of the lab's site.</summary>
    public static void AddPublishedEndpoints(CloudServiceOptions cloud, RoleLabSettings lab)
    {
        ArgumentNullException.ThrowIfNull(cloud);
        ArgumentNullException.ThrowIfNull(lab);
        cloud.PublishedEndpoints.Add(new PublishedEndpoint
        {
            EndpointId = lab.ManagementPointEndpointId,
            Kind = SiteRoleKind.ManagementPoint,
            SiteCode = lab.SiteCode,
            AllowedPathPrefixes = SiteRolePaths.ManagementPoint,
        });
        cloud.PublishedEndpoints.Add(new PublishedEndpoint
        {
            EndpointId = lab.SoftwareUpdatePointEndpointId,
            Kind = SiteRoleKind.SoftwareUpdatePoint,
            SiteCode = lab.SiteCode,
            AllowedPathPrefixes = SiteRolePaths.SoftwareUpdatePoint,
        });
    }

    private static void Configure(CloudServiceOptions cloud, VmInstanceRoleSettings settings)
    {
        cloud.ServiceName = settings.Lab.ServiceName;
        cloud.InstanceName = InstanceName(settings.InstanceNumber);
        cloud.VerifyClientCertificateRevocation = settings.VerifyClientCertificateRevocation;
        cloud.StatisticsInterval = settings.StatisticsInterval;
        AddPublishedEndpoints(cloud, settings.Lab);
        settings.ConfigureCloudService?.Invoke(cloud);
    }

    private static ClientCertificateValidator CreateValidator(VmInstanceRoleSettings settings)
    {
        var options = settings.Pki.CreateClientValidatorOptions();
        options.CheckRevocation = settings.VerifyClientCertificateRevocation;
        return new ClientCertificateValidator(options, settings.TimeProvider, settings.LoggerFactory.CreateLogger<ClientCertificateValidator>());
    }

    private static CloudTokenAuthentication? CreateTokenAuthentication(VmInstanceRoleSettings settings)
    {
        if (SiteTokenMaterial.CreateValidator(settings.SiteTokens, settings.Entra, settings.Pki.RootCa, CmTraceDefaults.CloudServiceCategory, settings.LoggerFactory, settings.TimeProvider) is not { } validator)
        {
            return null;
        }

        return new CloudTokenAuthentication(validator, settings.Entra is { } entra ? [entra.ToOnboarding()] : []);
    }
}
