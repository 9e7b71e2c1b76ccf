using System.Text.Json;
using CmgSim.Topology;

namespace CmgSim.FunctionalTests;

/// <summary>topology.json is a contract other tools read as raw JSON: the names and shapes are checked as written.</summary>
[Collection(SharedLab.Name)]
public sealed class TopologyDocumentTests(SharedLabFixture fixture)
{
    private readonly LabTopology _lab = fixture.Running.Lab;

    [Fact]
    public async Task TopologyFile_AsRawJson_MatchesTheDocumentedSchema()
    {
        await using var stream = File.OpenRead(_lab.Layout.TopologyFile);
        using var document = await JsonDocument.ParseAsync(stream);
        var root = document.RootElement;

        Assert.Equal(1, Property(root, "schemaVersion").GetInt32());
        Assert.Equal("GraniteFalls.contoso.com", String(root, "serviceName"));
        AssertHttpsUrl(String(root, "publicUrl"));
        Assert.Equal("PS1", String(root, "siteCode"));

        var instance = Assert.Single(Array(root, "instances"));
        Assert.StartsWith("ProxyService_IN_", String(instance, "name"), StringComparison.Ordinal);
        AssertHttpsUrl(String(instance, "url"));
        AssertHttpsUrl(String(instance, "tunnelUrl"));

        var connectionPoint = Assert.Single(Array(root, "connectionPoints"));
        Assert.Equal("PS1", String(connectionPoint, "siteCode"));
        AssertUrl(String(connectionPoint, "healthUrl"), Uri.UriSchemeHttp);

        var roles = Array(root, "roles");
        Assert.Equal(["ManagementPoint", "SoftwareUpdatePoint"], roles.Select(r => String(r, "kind")));
        foreach (var role in roles)
        {
            var endpointId = Property(role, "endpointId");
            Assert.Equal(JsonValueKind.Number, endpointId.ValueKind);
            var id = endpointId.GetInt64();
            Assert.Equal($"/CCM_Proxy_MutualAuth/{id}", String(role, "mutualAuthPath"));
            Assert.Equal($"/CCM_Proxy_ServerAuth/{id}", String(role, "serverAuthPath"));
            AssertHttpsUrl(String(role, "internalUrl"));
        }

        var pki = Property(root, "pki");
        AssertFile(String(pki, "rootCaPem"));
        AssertFile(String(pki, "crlPath"));
        var clients = Array(pki, "clients");
        Assert.Equal(2, clients.Count);
        foreach (var client in clients)
        {
            AssertFile(String(client, "certPem"));
            AssertFile(String(client, "keyPem"));
        }

        Assert.True(Directory.Exists(String(root, "logsDirectory")));
    }

    private static JsonElement Property(JsonElement element, string name)
    {
        // Exact, case-sensitive: the schema promises camelCase.
        Assert.True(element.TryGetProperty(name, out var value), $"'{name}' is missing from {element}");
        return value;
    }

    private static string String(JsonElement element, string name)
    {
        var value = Property(element, name);
        Assert.Equal(JsonValueKind.String, value.ValueKind);
        var text = value.GetString();
        Assert.False(string.IsNullOrWhiteSpace(text), $"'{name}' is empty");
        return text!;
    }

    private static List<JsonElement> Array(JsonElement element, string name)
    {
        var value = Property(element, name);
        Assert.Equal(JsonValueKind.Array, value.ValueKind);
        return [.. value.EnumerateArray()];
    }

    private static void AssertHttpsUrl(string text) => AssertUrl(text, Uri.UriSchemeHttps);

    private static void AssertUrl(string text, string scheme)
    {
        Assert.True(Uri.TryCreate(text, UriKind.Absolute, out var uri), $"'{text}' is not an absolute URL");
        Assert.Equal(scheme, uri.Scheme);
        Assert.InRange(uri.Port, 1, 65535);
        Assert.False(text.EndsWith('/'), $"'{text}' ends with a slash");
    }

    private static void AssertFile(string path)
    {
        Assert.True(Path.IsPathFullyQualified(path), $"'{path}' is not absolute");
        Assert.True(File.Exists(path), $"'{path}' does not exist");
    }
}
