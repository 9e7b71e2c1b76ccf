using System.Net;
using System.Security.Cryptography;
using CmgSim.Topology;

namespace CmgSim.FunctionalTests;

/// <summary>
/// The CMG must pass the ConfigMgr verbs and headers untouched (cmg-facts §10.7). The MP's IIS log is the
/// product's evidence of what arrived, so the test reads it rather than a test hook.
/// </summary>
[Collection(SharedLab.Name)]
public sealed class ManagementPointIisLogTests(SharedLabFixture fixture)
{
    private static readonly string[] CcmHeaders = ["CCMClientID", "CCMClientIDSignature", "CCMClientTimestamp", "CCMClientTimestampSignature"];

    private readonly LabTopology _lab = fixture.Running.Lab;

    [Fact]
    public async Task CustomVerbsAndCcmHeaders_ThroughCmg_ReachTheMpUnchanged()
    {
        using var client = TestLab.CreateClient(_lab, _lab.Pki.Clients[0].Certificate);
        var sent = new List<SentRequest>
        {
            new("CCM_POST", "/ccm_system/request", new ByteArrayContent([0x3C, 0x4D, 0x73, 0x67, 0x3E])),
            new("BITS_POST", "/CCM_Incoming/" + Guid.NewGuid().ToString("B").ToUpperInvariant(), null, ("BITS-Packet-Type", "Create-Session")),
            new("PROPFIND", "/CCM_Client/", null, ("Depth", "1")),
            new("HEAD", "/SMS_MP/.sms_aut", null) { Query = "?MPLIST" },
            new("GET", "/SMS_MP/.sms_aut", null, ("Authorization", "Bearer eyJ0eXAiOiJKV1QifQ.eyJzdWIiOiJ0ZXN0In0.c2ln")) { Query = "?MPLIST" },
        };

        foreach (var request in sent)
        {
            using var message = new HttpRequestMessage(new HttpMethod(request.Method), TestLab.MpPath(_lab, request.Path + request.Query)) { Content = request.Content };
            foreach (var (name, value) in request.Headers)
            {
                Assert.True(message.Headers.TryAddWithoutValidation(name, value), name);
            }

            using var response = await client.SendAsync(message);

            // Whatever the MP thinks of the request, the answer must be the MP's, not a CMG error.
            Assert.False(response.Headers.Contains(Core.Errors.CmgErrorInfo.ErrorCodeHeader), $"{request.Method} {request.Path}: {(int)response.StatusCode} {response.ReasonPhrase}");
            request.Status = (int)response.StatusCode;
        }

        var logged = await ReadIisLogAsync(sent);

        foreach (var request in sent)
        {
            var line = logged[request.ClientId];
            Assert.Equal(request.Method, line["cs-method"]);
            Assert.Equal(new Uri(_lab.PublicUrl, request.Path).AbsolutePath, line["cs-uri-stem"]);
            Assert.Equal(request.Status.ToString(System.Globalization.CultureInfo.InvariantCulture), line["sc-status"]);

            // Rewritten to the internal URL: the MP is addressed by its own name, not the CMG's.
            Assert.Equal(_lab.ManagementPointUrl.Authority, line["cs-host"]);
            foreach (var (name, value) in request.Headers.Where(h => IsLogged(h.Name)))
            {
                // W3C fields cannot hold spaces; the logger writes them as '+', as IIS does.
                Assert.Equal(value.Replace(' ', '+'), line[$"cs({name})"]);
            }
        }
    }

    [Fact]
    public async Task RangeRequest_ThroughCmg_ComesBackWithTheMpsResponseHeaders()
    {
        using var client = TestLab.CreateClient(_lab, _lab.Pki.Clients[0].Certificate);
        using var head = new HttpRequestMessage(HttpMethod.Head, TestLab.MpPath(_lab, "/SMS_MP/.sms_aut?MPLIST"));
        head.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(0, 99);

        using var response = await client.SendAsync(head);

        // The MP maps .sms_aut for GET only: its 405 and Allow header come back through both hops.
        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal(["GET"], response.Content.Headers.Allow);
    }

    private static bool IsLogged(string header) => header is "Range" or "Authorization" || CcmHeaders.Contains(header);

    private async Task<Dictionary<string, Dictionary<string, string>>> ReadIisLogAsync(List<SentRequest> sent)
    {
        var found = new Dictionary<string, Dictionary<string, string>>();
        await TestLab.EventuallyAsync(
            () =>
            {
                found = ParseIisLogs(_lab.ManagementPointIisLogDirectory)
                    .Where(l => l.TryGetValue("cs(CCMClientID)", out var id) && sent.Any(s => s.ClientId == id))
                    .ToDictionary(l => l["cs(CCMClientID)"]);
                return Task.FromResult(found.Count == sent.Count);
            },
            TimeSpan.FromSeconds(10),
            $"the MP's IIS log in {_lab.ManagementPointIisLogDirectory} lists all {sent.Count} requests");
        return found;
    }

    /// <summary>Every data line of every <c>u_ex*</c> file, keyed by the field names of the <c>#Fields</c> line before it.</summary>
    private static List<Dictionary<string, string>> ParseIisLogs(string directory)
    {
        var lines = new List<Dictionary<string, string>>();
        if (!Directory.Exists(directory))
        {
            return lines;
        }

        foreach (var file in Directory.EnumerateFiles(directory, "u_ex*"))
        {
            // The MP still has the file open for writing.
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            string[] fields = [];
            while (reader.ReadLine() is { } line)
            {
                if (line.StartsWith("#Fields:", StringComparison.Ordinal))
                {
                    fields = line["#Fields:".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                }
                else if (line.Length > 0 && line[0] != '#')
                {
                    var values = line.Split(' ');
                    if (values.Length == fields.Length)
                    {
                        lines.Add(fields.Zip(values).ToDictionary(p => p.First, p => p.Second, StringComparer.OrdinalIgnoreCase));
                    }
                }
            }
        }

        return lines;
    }

    private sealed record SentRequest(string Method, string Path, HttpContent? Content, params (string Name, string Value)[] ExtraHeaders)
    {
        public string ClientId { get; } = "GUID:" + Guid.NewGuid().ToString().ToUpperInvariant();

        public string Query { get; init; } = string.Empty;

        public int Status { get; set; }

        private readonly (string Name, string Value)[] _signatures =
        [
            ("CCMClientIDSignature", Convert.ToHexString(RandomNumberGenerator.GetBytes(64))),
            ("CCMClientTimestampSignature", Convert.ToHexString(RandomNumberGenerator.GetBytes(64))),
        ];

        public IEnumerable<(string Name, string Value)> Headers =>
        [
            ("CCMClientID", ClientId),
            _signatures[0],
            ("CCMClientTimestamp", "2025-06-01T12:34:56Z"),
            _signatures[1],
            ("Range", "bytes=0-1023"),
            .. ExtraHeaders,
        ];
    }
}
