using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CmgSim.SoftwareUpdatePoint.Tests;

/// <summary>A real Kestrel SUP on 127.0.0.1:0 with TLS, optionally with its own options and clock.</summary>
public sealed class SupServer : IAsyncDisposable
{
    private static readonly Lazy<X509Certificate2> Certificate = new(CreateCertificate);

    private readonly WebApplication _app;

    private SupServer(WebApplication app, HttpClient client)
    {
        _app = app;
        Client = client;
        Wsus = new WsusTestClient(client);
    }

    public HttpClient Client { get; }

    public WsusTestClient Wsus { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<SupServer> StartAsync(Action<SoftwareUpdatePointOptions>? configure = null, TimeProvider? timeProvider = null)
    {
        var certificate = Certificate.Value;
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0, l => l.UseHttps(certificate)));
        if (timeProvider is not null)
        {
            builder.Services.AddSingleton(timeProvider);
        }

        builder.Services.AddSoftwareUpdatePoint(configure);
        var app = builder.Build();
        app.MapSoftwareUpdatePoint();
        await app.StartAsync();
        var client = new HttpClient(new SocketsHttpHandler
        {
            SslOptions = { RemoteCertificateValidationCallback = (_, presented, _, _) => presented?.GetCertHashString() == certificate.GetCertHashString() },
        })
        { BaseAddress = new Uri(app.Urls.First()) };
        return new SupServer(app, client);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.DisposeAsync();
    }

    private static X509Certificate2 CreateCertificate()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=SUP01.contoso.com", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var ephemeral = request.CreateSelfSigned(new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2099, 1, 1, 0, 0, 0, TimeSpan.Zero));
        return X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pkcs12), null);
    }
}

/// <summary>The default SUP shared by a test class.</summary>
public sealed class SupHost : IAsyncLifetime
{
    private SupServer? _server;

    public SupServer Server => _server ?? throw new InvalidOperationException("Not started.");

    public HttpClient Client => Server.Client;

    public async Task InitializeAsync() => _server = await SupServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
