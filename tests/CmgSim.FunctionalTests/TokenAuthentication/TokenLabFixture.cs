using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using CmgSim.Client;
using CmgSim.Core.Logging;
using CmgSim.Identity.SiteTokens;
using CmgSim.Topology;
using Microsoft.Data.Sqlite;

namespace CmgSim.FunctionalTests.TokenAuthentication;

/// <summary>
/// One token-enabled topology (Entra tenant onboarded, site tokens on) with its log records in memory and CMTrace
/// files in the lab folder, an HTTP client without a client certificate for the CMG, one for the Entra host, and a
/// bulk registration token that stays valid and unblocked (for probe requests).
/// </summary>
public sealed class TokenLabFixture : IAsyncLifetime
{
    private RunningLab? _running;
    private X509Certificate2? _siteSigningCertificate;

    internal RunningLab Running => _running ?? throw new InvalidOperationException("The token lab is not started.");

    internal LabTopology Lab => Running.Lab;

    internal InMemoryLoggerProvider Logs => Running.Logs;

    /// <summary>Reaches the CMG's public port with no client certificate, as a token client does.</summary>
    internal HttpClient Cmg { get; private set; } = null!;

    /// <summary>Reaches the lab's Entra host (trusts the lab root).</summary>
    internal HttpClient Entra { get; private set; } = null!;

    /// <summary>A valid, unblocked bulk registration token the tests use for their good (probe) requests.</summary>
    internal string ProbeToken { get; private set; } = null!;

    /// <summary>The site's SMS Token Signing Certificate with its key, as <c>cmgsim token new</c> loads it.</summary>
    internal X509Certificate2 SiteSigningCertificate => _siteSigningCertificate
        ??= SiteTokenSigningCertificate.LoadOrCreate(Lab.Layout.PkiDirectory, Lab.Document.SiteCode, TimeProvider.System);

    internal string ServerAuthMpPath(string rest) => Lab.Document.Roles[0].ServerAuthPath + rest;

    public async Task InitializeAsync()
    {
        _running = await TestLab.StartWithLogsAsync(
            static options => options.ClientCount = 2,
            static (logging, layout) => logging.AddCmTrace(o => o.Directory = layout.LogsDirectory));
        Cmg = TestLab.CreateClient(Lab, null);
        Entra = new HttpClient(CmgClientHttp.CreateHandler(null, Lab.Pki.RootCa, null, null)) { Timeout = TimeSpan.FromSeconds(30) };
        var probe = Lab.SiteTokens!.CreateBulkRegistrationToken();
        Lab.BulkTokens!.Add(probe);
        ProbeToken = probe.Jwt;
    }

    public async Task DisposeAsync()
    {
        Cmg?.Dispose();
        Entra?.Dispose();
        _siteSigningCertificate?.Dispose();
        if (_running is not null)
        {
            await _running.DisposeAsync();
        }
    }
}

/// <summary>The token lab shared by the tests that leave it as they found it.</summary>
[CollectionDefinition(Name)]
public sealed class TokenLab : ICollectionFixture<TokenLabFixture>
{
    public const string Name = "Token lab";
}

/// <summary>What reached the MP, read from its IIS log (<c>u_ex*.log</c>), as an administrator would check it.</summary>
internal static class MpIisLog
{
    public static string NewMarker() => "m" + Guid.NewGuid().ToString("N");

    /// <summary>True when a data line of the MP's IIS log contains <paramref name="marker"/> (in its URL or query).</summary>
    public static bool Mentions(LabTopology lab, string marker)
    {
        var directory = lab.ManagementPointIisLogDirectory;
        if (!Directory.Exists(directory))
        {
            return false;
        }

        foreach (var file in Directory.EnumerateFiles(directory, "u_ex*"))
        {
            // The MP still has the file open for writing.
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            while (reader.ReadLine() is { } line)
            {
                if (line.Length > 0 && line[0] != '#' && line.Contains(marker, StringComparison.Ordinal))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>
    /// Proves the request marked <paramref name="marker"/> never reached the MP. The IIS log is written by one queue
    /// in order, so a good request sent afterwards is logged after it would have been: once the probe's line is there,
    /// the absence of the marker's line means the MP never saw that request.
    /// </summary>
    public static async Task AssertNeverReachedAsync(TokenLabFixture fixture, string marker)
    {
        var lab = fixture.Lab;
        var probe = NewMarker();
        using (var request = new HttpRequestMessage(HttpMethod.Get, fixture.ServerAuthMpPath($"/SMS_MP/.sms_aut?MPLIST&probe={probe}")))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", fixture.ProbeToken);
            using var response = await fixture.Cmg.SendAsync(request);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"The probe request got {(int)response.StatusCode} {response.ReasonPhrase}");
        }

        await TestLab.EventuallyAsync(
            () => Task.FromResult(Mentions(lab, probe)),
            TimeSpan.FromSeconds(10),
            $"the probe request {probe} appears in the MP's IIS log in {lab.ManagementPointIisLogDirectory}");
        Assert.False(Mentions(lab, marker), $"The request marked {marker} reached the MP (it is in the MP's IIS log).");
    }
}

/// <summary>A clock stopped at one instant: for minting tokens that are already expired or not yet valid.</summary>
internal sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}

/// <summary>Reads the lab's site database (site.db) the way an administrator queries it.</summary>
internal static class SiteDatabase
{
    public static async Task<object?> ScalarAsync(LabTopology lab, string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new SqliteConnection($"Data Source={lab.Layout.SiteDatabase};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return await command.ExecuteScalarAsync();
    }
}
