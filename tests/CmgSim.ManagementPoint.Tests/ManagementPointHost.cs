using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using CmgSim.Identity.SiteTokens;
using CmgSim.Identity.Tokens;
using CmgSim.ManagementPoint.Registration;
using CmgSim.ManagementPoint.SecurityTokenService;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
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

    /// <summary>The site token service of this MP (its signing certificate lives in a temporary PKI folder).</summary>
    public SiteTokenService SiteTokens { get; private set; } = null!;

    /// <summary>The bulk registration tokens the site issued, in this MP's site database.</summary>
    public BulkRegistrationTokenStore BulkTokens { get; private set; } = null!;

    /// <summary>The clock of the token service and the validator: tests move it to expire tokens.</summary>
    public Microsoft.Extensions.Time.Testing.FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 11, 27, 8, 0, 0, TimeSpan.Zero));

    public Guid EntraTenantId { get; } = new("8a9b3c2d-1e0f-4a5b-9c8d-7e6f5a4b3c21");

    public string EntraIssuer => $"https://login.lab.test/{EntraTenantId}/v2.0";

    private string PkiDirectory { get; } = Path.Combine(Path.GetTempPath(), $"cmgsim-mp-pki-{Guid.NewGuid():N}");

    private readonly RsaSecurityKey _entraKey = new(RSA.Create(2048)) { KeyId = "lab-entra-key-1" };

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
        var signing = SiteTokenSigningCertificate.LoadOrCreate(PkiDirectory, "PS1", Clock);
        var hierarchy = SiteHierarchy.LoadOrCreateId(PkiDirectory);
        SiteTokens = new SiteTokenService(new SiteTokenServiceOptions { SigningCertificate = signing, HierarchyId = hierarchy }, Clock);
        BulkTokens = new BulkRegistrationTokenStore(DatabasePath, Clock);
        var validator = new BearerTokenValidator(
            new BearerTokenValidatorOptions
            {
                SiteTokenSigningCertificate = X509CertificateLoader.LoadCertificate(signing.RawData),
                HierarchyId = hierarchy,
                BlockList = new CachedBulkTokenBlockList(BulkTokens, Clock) { RefreshInterval = TimeSpan.Zero },
                Tenants = [new OnboardedTenant { TenantId = EntraTenantId, Issuer = EntraIssuer, SigningKeys = [_entraKey] }],
                CacheCapacity = 0,
            },
            Clock,
            new CollectingLogger("CmgSim.ManagementPoint.Sts.Validator", Logs));
        builder.Services.AddManagementPointTokenAuthentication(new ManagementPointTokenAuthentication(validator, SiteTokens));
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

    /// <summary>A CCM token as CCM_STS issues it.</summary>
    public string CcmToken(CcmTokenType type, string? smsId = null, Guid? deviceId = null) =>
        SiteTokens.IssueCcmToken(new CcmTokenSubject { Type = type, SmsId = smsId, EntraDeviceId = deviceId, TenantId = EntraTenantId }).Jwt;

    /// <summary>An Entra access token of the onboarded tenant, signed with its key: a device token, or a user token when <paramref name="upn"/> is given.</summary>
    public string EntraToken(Guid? deviceId, string? upn = null, TimeSpan? lifetime = null, string audience = "https://ConfigMgrService")
    {
        var now = Clock.GetUtcNow();
        var claims = new Dictionary<string, object>
        {
            ["tid"] = EntraTenantId.ToString("D"),
            ["oid"] = (upn is null ? deviceId ?? Guid.NewGuid() : Guid.NewGuid()).ToString("D"),
            ["idtyp"] = upn is null ? "device" : "user",
            ["ver"] = "2.0",
        };
        if (deviceId is { } device)
        {
            claims["deviceid"] = device.ToString("D");
        }

        if (upn is not null)
        {
            claims["upn"] = upn;
        }

        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = EntraIssuer,
            Audience = audience,
            Claims = claims,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = now.Add(lifetime ?? TimeSpan.FromHours(1)).UtcDateTime,
            SigningCredentials = new SigningCredentials(_entraKey, SecurityAlgorithms.RsaSha256),
        });
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
        Directory.Delete(PkiDirectory, recursive: true);
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
