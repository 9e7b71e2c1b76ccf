namespace CmgSim.LoadTests;

/// <summary>A named URL under test. Later scenarios replace the single GET with their own request builders.</summary>
internal sealed record LoadTarget(string Name, Uri Url)
{
    public HttpRequestMessage CreateRequest(Version httpVersion) => new(HttpMethod.Get, Url)
    {
        Version = httpVersion,
        // Exact: a comparison is meaningless if one target silently falls back to another protocol.
        VersionPolicy = HttpVersionPolicy.RequestVersionExact,
    };
}
