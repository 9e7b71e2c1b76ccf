using System.Collections.Concurrent;
using System.Net;
using CmgSim.CloudService.Capacity;
using CmgSim.CloudService.ClientAuthentication;
using CmgSim.CloudService.Hosting;
using CmgSim.Core.Security;
using CmgSim.Identity.Certificates;
using CmgSim.Identity.Pki;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CmgSim.CloudService.Tests.Capacity;

/// <summary>A lab PKI made once for the capacity tests, and VM instances on free loopback ports with real TLS.</summary>
public sealed class CapacityTestLab : IDisposable
{
    /// <summary>Answered by the VM instance itself (ServerAuth metadata needs no credentials), so no connection point is needed.</summary>
    public const string MetadataPath = "/CCM_Proxy_ServerAuth/ServiceMetadata";

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "cmgsim-tests", Guid.NewGuid().ToString("N"));

    public CapacityTestLab()
    {
        Pki = LabPki.LoadOrCreate(_directory, new LabPkiOptions { ClientCount = 1 }, TimeProvider.System);
    }

    public LabPki Pki { get; }

    internal async Task<VmInstanceHost> StartInstanceAsync(ILoggerFactory loggerFactory, Action<CapacityOptions> capacity, int number = 0, int publicPort = 0)
    {
        var validator = new ClientCertificateValidator(Pki.CreateClientValidatorOptions(), TimeProvider.System, NullLogger<ClientCertificateValidator>.Instance);
        return await VmInstanceHost.StartAsync(new VmInstanceHostSettings
        {
            PublicEndpoint = new IPEndPoint(IPAddress.Loopback, publicPort),
            InstanceEndpoint = new IPEndPoint(IPAddress.Loopback, 0),
            ChannelEndpoint = new IPEndPoint(IPAddress.Loopback, 0),
            ServerCertificate = Pki.ServerCertificate,
            ServerCertificateChain = Pki.GetIntermediates(),
            Validators = new CloudCertificateValidators(validator, validator),
            Configure = cloud =>
            {
                cloud.InstanceName = $"ProxyService_IN_{number}";
                capacity(cloud.Capacity);
            },
            LoggerFactory = loggerFactory,
            ShutdownTimeout = TimeSpan.FromSeconds(1),
        });
    }

    /// <summary>A client with its own single TCP connection (HTTP/1.1, kept alive) to <paramref name="baseUrl"/>.</summary>
    public HttpClient Connect(Uri baseUrl)
    {
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = 1,
            SslOptions = LabServerCertificateValidation.CreateClientOptions(null, [Pki.RootCa]),
        };
        return new HttpClient(handler)
        {
            BaseAddress = baseUrl,
            DefaultRequestVersion = HttpVersion.Version11,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = TimeSpan.FromSeconds(30),
        };
    }

    public static Uri PublicUrl(VmInstanceHost host) => new($"https://127.0.0.1:{host.PublicPort}");

    public static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : null;

    public static async Task EventuallyAsync(Func<bool> condition, string because)
    {
        var started = TimeProvider.System.GetTimestamp();
        while (!condition())
        {
            if (TimeProvider.System.GetElapsedTime(started) > TimeSpan.FromSeconds(10))
            {
                Assert.Fail($"Not true within 10 s: {because}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20), TimeProvider.System);
        }
    }

    public void Dispose()
    {
        Pki.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>Keeps the log messages of one test in memory.</summary>
internal sealed class MemoryLogs : IDisposable
{
    private readonly ConcurrentQueue<string> _messages = new();

    public MemoryLogs()
    {
        Factory = LoggerFactory.Create(b => b.AddProvider(new Provider(_messages)).SetMinimumLevel(LogLevel.Information).AddFilter("Microsoft", LogLevel.Warning));
    }

    public ILoggerFactory Factory { get; }

    public IReadOnlyList<string> Messages(string containing) =>
        [.. _messages.Where(m => m.Contains(containing, StringComparison.Ordinal))];

    public void Dispose() => Factory.Dispose();

    private sealed class Provider(ConcurrentQueue<string> messages) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Logger(messages);

        public void Dispose()
        {
        }
    }

    private sealed class Logger(ConcurrentQueue<string> messages) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            messages.Enqueue(formatter(state, exception));
    }
}
