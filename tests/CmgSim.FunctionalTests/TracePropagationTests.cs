using System.Diagnostics;
using System.Globalization;
using System.Net;
using CmgSim.Topology;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace CmgSim.FunctionalTests;

[Collection(SharedLab.Name)]
public sealed class TracePropagationTests(SharedLabFixture fixture)
{
    private static readonly ActivitySource ClientSource = new("CmgSim.FunctionalTests.Client");

    private readonly LabTopology _lab = fixture.Running.Lab;

    [Fact]
    public async Task OneRequest_OneTrace_SpansCloudServiceConnectionPointAndMp()
    {
        // The exporter adds from whichever thread ends a span, other tests' included: a locked collection.
        var exported = new LockedCollection<Activity>();
        using var tracing = Sdk.CreateTracerProviderBuilder()
            .AddSource("CmgSim.*", "Yarp.ReverseProxy")
            .AddAspNetCoreInstrumentation()
            .AddHttpClientInstrumentation()
            .AddInMemoryExporter(exported)
            .Build();
        using var client = TestLab.CreateClient(_lab, _lab.Pki.Clients[0].Certificate);
        var path = TestLab.MpPath(_lab, "/SMS_MP/.sms_aut?MPLIST");

        ActivityTraceId traceId;
        using (var root = ClientSource.StartActivity("client MPLIST", ActivityKind.Client))
        {
            Assert.NotNull(root);
            traceId = root.TraceId;
            using var response = await client.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        // Server spans end after their response is sent: wait for the three hops.
        List<Activity> servers = [];
        await TestLab.EventuallyAsync(
            () =>
            {
                servers = exported.Snapshot().Where(a => a.Kind == ActivityKind.Server && a.TraceId == traceId).ToList();
                return Task.FromResult(servers.Count >= 3);
            },
            TimeSpan.FromSeconds(10),
            "server spans of the cloud service, the connection point and the MP carry the client's trace id");

        var mpPath = "/SMS_MP/.sms_aut";
        var externalPath = TestLab.MpPath(_lab, mpPath);
        var publicPort = _lab.PublicUrl.Port.ToString(CultureInfo.InvariantCulture);

        // The client's TLS hop and the MP's are https; the channel inside its own TLS connection carries plain HTTP/2.
        var cloud = Assert.Single(servers, s => Tag(s, "url.path") == externalPath && Tag(s, "url.scheme") == "https");
        Assert.Equal(publicPort, Tag(cloud, "server.port"));
        var connectionPoint = Assert.Single(servers, s => Tag(s, "url.path") == externalPath && Tag(s, "url.scheme") == "http");
        Assert.Equal("2", Tag(connectionPoint, "network.protocol.version"));
        var managementPoint = Assert.Single(servers, s => Tag(s, "url.path") == mpPath);

        // Rewritten to the internal URL: the MP sees its own host and port, not the CMG's.
        Assert.Equal(_lab.ManagementPointUrl.Host, Tag(managementPoint, "server.address"));
        Assert.Equal(_lab.ManagementPointUrl.Port.ToString(CultureInfo.InvariantCulture), Tag(managementPoint, "server.port"));

        // Each hop is a child of the one before it (through the client span of the hop in between).
        var trace = exported.Snapshot().Where(a => a.TraceId == traceId).ToList();
        Assert.Equal(cloud.SpanId, Ancestors(connectionPoint, trace).FirstOrDefault(a => a.Kind == ActivityKind.Server)?.SpanId);
        Assert.Equal(connectionPoint.SpanId, Ancestors(managementPoint, trace).FirstOrDefault(a => a.Kind == ActivityKind.Server)?.SpanId);
    }

    private static string? Tag(Activity activity, string name) => activity.GetTagItem(name)?.ToString();

    private static IEnumerable<Activity> Ancestors(Activity activity, List<Activity> all)
    {
        for (var parent = all.FirstOrDefault(a => a.SpanId == activity.ParentSpanId); parent is not null; parent = all.FirstOrDefault(a => a.SpanId == parent.ParentSpanId))
        {
            yield return parent;
        }
    }
}

/// <summary>A collection safe to add to from many threads and to read as a snapshot.</summary>
internal sealed class LockedCollection<T> : ICollection<T>
{
    private readonly List<T> _items = [];

    public int Count
    {
        get
        {
            lock (_items)
            {
                return _items.Count;
            }
        }
    }

    public bool IsReadOnly => false;

    public List<T> Snapshot()
    {
        lock (_items)
        {
            return [.. _items];
        }
    }

    public void Add(T item)
    {
        lock (_items)
        {
            _items.Add(item);
        }
    }

    public void Clear()
    {
        lock (_items)
        {
            _items.Clear();
        }
    }

    public bool Contains(T item)
    {
        lock (_items)
        {
            return _items.Contains(item);
        }
    }

    public void CopyTo(T[] array, int arrayIndex)
    {
        lock (_items)
        {
            _items.CopyTo(array, arrayIndex);
        }
    }

    public bool Remove(T item)
    {
        lock (_items)
        {
            return _items.Remove(item);
        }
    }

    public IEnumerator<T> GetEnumerator() => Snapshot().GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
