using System.Net;
using CmgSim.Core;
using CmgSim.ManagementPoint;
using CmgSim.SoftwareUpdatePoint;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Logging;

namespace CmgSim.Client.Tests;

/// <summary>MP and SUP in one Kestrel app, mapped under their MutualAuth paths, requiring a client certificate from the lab root.</summary>
public sealed class SiteHost : IAsyncLifetime
{
    public const long MpId = EndpointIds.DefaultManagementPoint;
    public const long SupId = EndpointIds.DefaultSoftwareUpdatePoint;

    private WebApplication? _app;

    internal LabPki Pki { get; } = new();

    public int Port { get; private set; }

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0, l => l.UseHttps(new HttpsConnectionAdapterOptions
        {
            ServerCertificate = Pki.Server,
            ClientCertificateMode = ClientCertificateMode.RequireCertificate,
            ClientCertificateValidation = (certificate, _, _) => LabPki.ChainsToRoot(certificate, Pki.Root),
        })));
        builder.Services.AddManagementPoint();
        builder.Services.AddSoftwareUpdatePoint();
        _app = builder.Build();
        _app.MapGroup(CmgPaths.MutualAuthPath(MpId)).MapManagementPoint();
        _app.MapGroup(CmgPaths.MutualAuthPath(SupId)).MapSoftwareUpdatePoint();
        await _app.StartAsync();
        Port = new Uri(_app.Urls.First()).Port;
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        Pki.Dispose();
    }
}
