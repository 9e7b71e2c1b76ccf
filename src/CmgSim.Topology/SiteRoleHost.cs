using System.Net;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using CmgSim.Core.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CmgSim.Topology;

/// <summary>An on-premises site role (MP or SUP) on its own HTTPS listener.</summary>
internal sealed class SiteRoleHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private SiteRoleHost(WebApplication app, Uri url)
    {
        _app = app;
        Url = url;
    }

    public Uri Url { get; }

    public static async Task<SiteRoleHost> StartAsync(
        IPEndPoint endpoint,
        X509Certificate2 certificate,
        X509Certificate2Collection chain,
        Action<IServiceCollection> configureServices,
        Action<IEndpointRouteBuilder> map,
        ILoggerFactory loggerFactory,
        TimeProvider timeProvider,
        TimeSpan shutdownTimeout,
        SiteRoleIisLog? iisLog,
        CancellationToken cancellationToken)
    {
        var builder = RoleHostBuilder.Create(loggerFactory, timeProvider, shutdownTimeout);
        builder.WebHost.UseKestrel(kestrel =>
        {
            kestrel.Listen(endpoint, listen => listen.UseHttps(new HttpsConnectionAdapterOptions
            {
                ServerCertificate = certificate,
                ServerCertificateChain = chain,

                // An HTTPS MP asks for the connection point's client-auth certificate.
                ClientCertificateMode = ClientCertificateMode.AllowCertificate,
                ClientCertificateValidation = static (_, _, _) => true,
                SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            }));
        });
        configureServices(builder.Services);
        if (iisLog is not null)
        {
            builder.Services.AddIisAccessLog(log =>
            {
                log.Directory = iisLog.Directory;
                foreach (var header in iisLog.RequestHeaders)
                {
                    log.RequestHeaders.Add(header);
                }
            });
        }

        var app = builder.Build();
        if (iisLog is not null)
        {
            app.UseIisAccessLog();
        }

        map(app);
        await app.StartAsync(cancellationToken);
        var url = app.BoundAddresses()[0];
        return new SiteRoleHost(app, url);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>Where a site role writes its IIS-style W3C access log (<c>u_exYYMMDD.log</c>), and which request headers it records.</summary>
internal sealed record SiteRoleIisLog(string Directory, IReadOnlyList<string> RequestHeaders);
