using System.Net;
using System.Security.Cryptography.X509Certificates;
using CmgSim.Core.Security;
using CmgSim.Identity.Entra;
using Microsoft.Extensions.Logging;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;
using Microsoft.Identity.Client;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace CmgSim.Identity.Tests.Entra;

/// <summary>
/// A local Entra ID on 127.0.0.1 with real TLS (the lab PKI's server certificate), an <see cref="HttpClient"/> that
/// trusts only the lab root, and the host's log lines.
/// </summary>
internal sealed class EntraTestHost : IAsyncDisposable
{
    public static readonly string[] DeviceNames = ["client-01", "client-02", "client-03"];

    private readonly bool _ownsLab;

    private EntraTestHost(TestLab lab, bool ownsLab, EntraTenantHost host, HttpClient http, CapturingLoggerProvider logs, TimeProvider time)
    {
        _ownsLab = ownsLab;
        Lab = lab;
        Host = host;
        Http = http;
        Logs = logs;
        Time = time;
    }

    public TestLab Lab { get; }

    public EntraTenantHost Host { get; }

    public HttpClient Http { get; }

    public CapturingLoggerProvider Logs { get; }

    public TimeProvider Time { get; }

    public static Guid Contoso => EntraLabDefaults.ContosoTenantId;

    /// <summary>
    /// Starts a host; with <paramref name="useFakeTime"/> the host runs on the lab's fake clock, else on the wall clock (MSAL's).
    /// A given <paramref name="lab"/> stays the caller's (to restart on the same files).
    /// </summary>
    public static async Task<EntraTestHost> StartAsync(
        bool useFakeTime, Action<EntraTenantOptions>? configure = null, TestLab? lab = null, string? keyDirectory = null)
    {
        var ownsLab = lab is null;
        lab ??= new TestLab();
        var options = EntraTenantOptions.CreateLabDefaults(DeviceNames);
        options.KeyDirectory = keyDirectory ?? Path.Combine(lab.Root, "entra");
        configure?.Invoke(options);
        TimeProvider time = useFakeTime ? lab.Time : TimeProvider.System;
        var logs = new CapturingLoggerProvider();
        var host = await EntraTenantHost.StartAsync(
            new EntraTenantHostSettings
            {
                Endpoint = new IPEndPoint(IPAddress.Loopback, 0),
                ServerCertificate = lab.Pki.ServerCertificate,
                ServerCertificateChain = lab.Pki.GetIntermediates(),
                Options = options,
                LoggerFactory = LoggerFactory.Create(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Debug)),
                TimeProvider = time,
            },
            CancellationToken.None);
        return new EntraTestHost(lab, ownsLab, host, CreateTrustingClient(lab), logs, time);
    }

    public static HttpClient CreateTrustingClient(TestLab lab) => new(new SocketsHttpHandler
    {
        SslOptions = LabServerCertificateValidation.CreateClientOptions(null, [lab.Pki.RootCa]),
    });

    public EntraTokenClient TokenClient(Guid tenantId) => new(Http, new Uri(Host.AuthorityFor(tenantId)));

    public EntraDevice Device(Guid tenantId, string displayName) =>
        Host.Options.Tenants.Single(t => t.TenantId == tenantId).Devices.Single(d => d.DisplayName == displayName);

    public EntraUser User(Guid tenantId, string upn) =>
        Host.Options.Tenants.Single(t => t.TenantId == tenantId).Users.Single(u => u.UserPrincipalName == upn);

    /// <summary>Validates as a resource would: keys from the JWKS over HTTPS, issuer and audience exact, lifetime on the test's clock.</summary>
    public async Task<TokenValidationResult> ValidateAsync(string token, Guid tenantId, string audience = EntraLabDefaults.ServerAppIdUri)
    {
        var jwks = new JsonWebKeySet(await Http.GetStringAsync(Host.JwksUriFor(tenantId)));
        return await new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = Host.IssuerFor(tenantId),
            ValidAudience = audience,
            IssuerSigningKeys = jwks.GetSigningKeys(),
            LifetimeValidator = (notBefore, expires, _, _) =>
            {
                var now = Time.GetUtcNow().UtcDateTime;
                return notBefore <= now && now < expires;
            },
        });
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Host.DisposeAsync();
        if (_ownsLab)
        {
            Lab.Dispose();
        }
    }
}

/// <summary>MSAL's HTTP stack, trusting only the lab root.</summary>
internal sealed class LabMsalHttpClientFactory(HttpClient client) : IMsalHttpClientFactory
{
    public HttpClient GetHttpClient() => client;
}

internal sealed class CapturingLoggerProvider : ILoggerProvider
{
    private readonly List<(string Category, LogLevel Level, EventId EventId, string Message)> _entries = [];

    public IReadOnlyList<(string Category, LogLevel Level, EventId EventId, string Message)> Entries
    {
        get
        {
            lock (_entries)
            {
                return [.. _entries];
            }
        }
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (owner._entries)
            {
                owner._entries.Add((category, logLevel, eventId, formatter(state, exception)));
            }
        }
    }
}

internal static class EntraTestCertificates
{
    /// <summary>A self-signed RSA certificate with key, for a client assertion or a stranger's WPJ key.</summary>
    public static X509Certificate2 Create(string commonName, TimeProvider time) =>
        EntraKeyFiles.CreateSelfSigned(commonName, time.GetUtcNow(), TimeSpan.FromDays(30), clientAuth: true);
}
