using System.Net;
using System.Security.Cryptography.X509Certificates;
using CmgSim.Client;
using CmgSim.Core;
using CmgSim.Core.Errors;
using CmgSim.Topology;
using Microsoft.Extensions.Logging;

namespace CmgSim.FunctionalTests;

/// <summary>Starts a whole topology on free loopback ports in a fresh lab folder.</summary>
internal static class TestLab
{
    public static string NewLabDirectory() => Path.Combine(Path.GetTempPath(), "cmgsim-tests", Guid.NewGuid().ToString("N"));

    public static async Task<LabTopology> StartAsync(Action<TopologyOptions>? configure = null, ILoggerFactory? loggerFactory = null)
    {
        var options = new TopologyOptions
        {
            LabDirectory = NewLabDirectory(),
            PublicPort = 0,
            ChannelPortBase = 0,
            ReconnectDelay = TimeSpan.FromMilliseconds(100),
            MaxReconnectDelay = TimeSpan.FromMilliseconds(500),
            SiteRoleBreakDuration = TimeSpan.FromMilliseconds(500),
            ShutdownTimeout = TimeSpan.FromSeconds(1),
            ClientCount = 2,
        };
        configure?.Invoke(options);
        return await LabTopology.StartAsync(options, loggerFactory ?? LoggerFactory.Create(static b => b.AddConsole().SetMinimumLevel(LogLevel.Warning)));
    }

    /// <summary>A topology whose log records are kept in memory; disposing it also removes the lab folder.</summary>
    /// <param name="configureLogging">Extra logging, given the lab folder (the providers are built before the topology starts).</param>
    public static async Task<RunningLab> StartWithLogsAsync(Action<TopologyOptions>? configure = null, Action<ILoggingBuilder, LabLayout>? configureLogging = null)
    {
        var layout = new LabLayout(NewLabDirectory());
        var logs = new InMemoryLoggerProvider();
        var loggerFactory = LoggerFactory.Create(b =>
        {
            b.AddProvider(logs).SetMinimumLevel(LogLevel.Information).AddFilter("Microsoft", LogLevel.Warning);
            configureLogging?.Invoke(b, layout);
        });
        try
        {
            return new RunningLab(await StartAsync(o => { o.LabDirectory = layout.Root; configure?.Invoke(o); }, loggerFactory), logs, loggerFactory);
        }
        catch
        {
            loggerFactory.Dispose();
            throw;
        }
    }

    /// <summary>An HTTP client that trusts the lab root, optionally presents a certificate, and reaches the CMG's public port.</summary>
    public static HttpClient CreateClient(LabTopology lab, X509Certificate2? clientCertificate, bool http11 = true)
    {
        var handler = CmgClientHttp.CreateHandler(clientCertificate, lab.Pki.RootCa, null, null);
        var client = new HttpClient(handler) { BaseAddress = lab.PublicUrl, Timeout = TimeSpan.FromSeconds(30) };
        if (http11)
        {
            client.DefaultRequestVersion = HttpVersion.Version11;
        }
        else
        {
            // HTTP/2 only, on as many connections as the server's stream limit requires.
            handler.EnableMultipleHttp2Connections = true;
            client.DefaultRequestVersion = HttpVersion.Version20;
            client.DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        }

        return client;
    }

    public static string MpPath(LabTopology lab, string rest) => lab.Document.Roles[0].MutualAuthPath + rest;

    public static string SupPath(LabTopology lab, string rest) => lab.Document.Roles[1].MutualAuthPath + rest;

    /// <summary>The CMG's error answer: status, product error code as the reason phrase and in <c>X-CmgSim-Error</c>.</summary>
    public static void AssertCmgError(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal(code, response.ReasonPhrase);
        Assert.True(response.Headers.TryGetValues(CmgErrorInfo.ErrorCodeHeader, out var codes), $"no {CmgErrorInfo.ErrorCodeHeader} header");
        Assert.Equal([code], codes);
    }

    /// <summary>Polls <paramref name="condition"/> until it holds; fails with <paramref name="because"/> after <paramref name="timeout"/>.</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> condition, TimeSpan timeout, string because)
    {
        var started = TimeProvider.System.GetTimestamp();
        while (!await condition())
        {
            if (TimeProvider.System.GetElapsedTime(started) > timeout)
            {
                Assert.Fail($"Not true within {timeout}: {because}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50), TimeProvider.System);
        }
    }

    public static async Task<(HttpResponseMessage Response, TimeSpan Elapsed)> TimedSendAsync(HttpClient client, HttpRequestMessage request)
    {
        var started = TimeProvider.System.GetTimestamp();
        var response = await client.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return (response, TimeProvider.System.GetElapsedTime(started));
    }
}

/// <summary>A started topology, its in-memory logs, and the lab folder it removes when disposed.</summary>
internal sealed class RunningLab(LabTopology lab, InMemoryLoggerProvider logs, ILoggerFactory loggerFactory) : IAsyncDisposable
{
    public LabTopology Lab { get; } = lab;

    public InMemoryLoggerProvider Logs { get; } = logs;

    public async ValueTask DisposeAsync()
    {
        var root = Lab.Layout.Root;
        await Lab.DisposeAsync();
        loggerFactory.Dispose();
        try
        {
            Directory.Delete(root, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a file still held open only leaves a temp folder behind.
        }
    }
}
