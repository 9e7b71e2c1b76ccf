using System.Net;
using CmgSim.Core;
using CmgSim.Identity.Pki;
using CmgSim.ManagementPoint;
using CmgSim.ManagementPoint.LocationManager;
using CmgSim.ManagementPoint.SecurityTokenService;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CmgSim.Topology.Roles;

/// <summary>Everything needed to start the management point as a role.</summary>
public sealed class ManagementPointRoleSettings
{
    /// <summary>Where to listen. Port 0 picks a free port.</summary>
    public required IPEndPoint Endpoint { get; init; }

    public required RoleLabSettings Lab { get; init; }

    /// <summary>The lab PKI: the MP serves the site system certificate and signs with the site signing certificate.</summary>
    public required LabPki Pki { get; init; }

    /// <summary>The CMG's public HTTPS port, for the CMG-based URLs the MP hands to internet clients.</summary>
    public required int CmgPublicPort { get; init; }

    /// <summary>The SUP's internal URL (WSUS location for intranet clients).</summary>
    public required Uri SoftwareUpdatePointUrl { get; init; }

    /// <summary>The site token service; null: CCM_STS and <c>ccm_system_tokenauth</c> refuse every token.</summary>
    public SiteTokenMaterial? SiteTokens { get; init; }

    /// <summary>The onboarded Entra tenant whose tokens CCM_STS exchanges; null: Entra tokens are refused.</summary>
    public EntraTrust? Entra { get; init; }

    /// <summary>The CCM headers a CMG passes untouched, and Range (Authorization is left out: tokens do not belong in a log file).</summary>
    public static IReadOnlyList<string> DefaultIisLogHeaders { get; } = ["Range", "CCMClientID", "CCMClientIDSignature", "CCMClientTimestamp", "CCMClientTimestampSignature"];

    /// <summary>Request headers the MP's IIS log records. Default: <see cref="DefaultIisLogHeaders"/>.</summary>
    public IReadOnlyList<string> IisLogHeaders { get; init; } = DefaultIisLogHeaders;

    public required ILoggerFactory LoggerFactory { get; init; }

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(5);
}

/// <summary>The management point: location, <c>.sms_aut</c>, CcmMessaging, CCM_STS, the site database.</summary>
public static class ManagementPointRole
{
    /// <summary>The MP's IIS log folder (<c>u_exYYMMDD.log</c>): <c>DIR/logs/IIS</c>.</summary>
    public static string IisLogDirectory(LabLayout layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        return Path.Combine(layout.LogsDirectory, "IIS");
    }

    public static async Task<SiteRoleInstance> StartAsync(ManagementPointRoleSettings settings, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var lab = settings.Lab;
        var layout = lab.Layout;
        var host = await SiteRoleHost.StartAsync(
            settings.Endpoint,
            settings.Pki.SiteSystemCertificate,
            settings.Pki.GetIntermediates(),
            services =>
            {
                services.AddManagementPoint(mp =>
                {
                    mp.SiteCode = lab.SiteCode;
                    mp.Fqdn = lab.ManagementPointFqdn;
                    mp.SiteSigningCertificate = settings.Pki.SiteSigningCertificate;
                    mp.SiteDatabasePath = layout.SiteDatabase;
                });
                if (settings.SiteTokens is { } site
                    && SiteTokenMaterial.CreateValidator(site, settings.Entra, settings.Pki.RootCa, ManagementPointLogCategories.Sts, settings.LoggerFactory, settings.TimeProvider) is { } validator)
                {
                    services.AddManagementPointTokenAuthentication(new ManagementPointTokenAuthentication(validator, site.Service));
                }

                services.Configure<LocationOptions>(location =>
                {
                    // Internet clients (requests that came through the CMG) get the CMG-based SUP URL.
                    location.CmgServiceName = lab.ServiceName;
                    location.CmgPublicPort = settings.CmgPublicPort;
                    location.SoftwareUpdatePointEndpointId = lab.SoftwareUpdatePointEndpointId;
                    location.SoftwareUpdatePointUrl = settings.SoftwareUpdatePointUrl;
                });
            },
            static endpoints => endpoints.MapManagementPoint(),
            settings.LoggerFactory,
            settings.TimeProvider,
            settings.ShutdownTimeout,
            new SiteRoleIisLog(IisLogDirectory(layout), settings.IisLogHeaders),
            cancellationToken);
        return new SiteRoleInstance(host);
    }
}
