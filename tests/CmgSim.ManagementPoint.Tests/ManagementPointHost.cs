using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using CmgSim.ManagementPoint.Registration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CmgSim.ManagementPoint.Tests;

/// <summary>A real Kestrel MP on 127.0.0.1:0 with TLS, shared by the tests of a class.</summary>
public sealed class ManagementPointHost : IAsyncLifetime
{
    private WebApplication? _app;
    private X509Certificate2? _serverCertificate;
    private Uri? _address;

    /// <summary>The site database file; tests open it separately to see what was committed.</summary>
    public string DatabasePath { get; } = Path.Combine(Path.GetTempPath(), $"cmgsim-site-{Guid.NewGuid():N}.db");

    /// <summary>Server-assigned SMSIDs are GUIDs 1, 2, 3, … so tests can predict them.</summary>
    public SequentialSmsIdGenerator SmsIds { get; } = new();

    public HttpClient Client { get; private set; } = null!;

    public ConcurrentQueue<(string Category, LogLevel Level, string Message)> Logs { get; } = new();

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        builder.Logging.AddProvider(new CollectingLoggerProvider(Logs));
        var certificate = CreateServerCertificate();
        _serverCertificate = certificate;
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0, l => l.UseHttps(h =>
        {
            h.ServerCertificate = certificate;
            h.ClientCertificateMode = ClientCertificateMode.AllowCertificate;
            h.AllowAnyClientCertificate();
        })));
        builder.Services.AddSingleton<ISmsIdGenerator>(SmsIds);
        builder.Services.AddManagementPoint(o =>
        {
            o.SiteCode = "PS1";
            o.SiteDatabasePath = DatabasePath;
        });
        _app = builder.Build();
        _app.MapManagementPoint();
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        _address = new Uri(address);
        Client = CreateClient();
    }

    /// <summary>A client of this MP, optionally presenting <paramref name="clientCertificate"/> (a PKI client).</summary>
    public HttpClient CreateClient(X509Certificate2? clientCertificate = null)
    {
        var handler = new SocketsHttpHandler
        {
            SslOptions = { RemoteCertificateValidationCallback = (_, presented, _, _) => presented?.GetCertHashString() == _serverCertificate!.GetCertHashString() },
        };
        if (clientCertificate is not null)
        {
            handler.SslOptions.LocalCertificateSelectionCallback = (_, _, _, _, _) => clientCertificate;
        }

        return new HttpClient(handler) { BaseAddress = _address };
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var file in new[] { DatabasePath, DatabasePath + "-wal", DatabasePath + "-shm" })
        {
            File.Delete(file);
        }
    }

    private static X509Certificate2 CreateServerCertificate()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=MP01.contoso.com", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using var certificate = request.CreateSelfSigned(new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2099, 1, 1, 0, 0, 0, TimeSpan.Zero));
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
    }

    public sealed class SequentialSmsIdGenerator : ISmsIdGenerator
    {
        private int _next;

        public Guid NewGuid() => new($"00000000-0000-0000-0000-{Interlocked.Increment(ref _next):D12}");
    }

    private sealed class CollectingLoggerProvider(ConcurrentQueue<(string, LogLevel, string)> sink) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new CollectingLogger(categoryName, sink);

        public void Dispose()
        {
        }
    }

    private sealed class CollectingLogger(string category, ConcurrentQueue<(string, LogLevel, string)> sink) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            sink.Enqueue((category, logLevel, formatter(state, exception)));
    }
}
