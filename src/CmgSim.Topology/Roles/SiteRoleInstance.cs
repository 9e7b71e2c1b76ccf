namespace CmgSim.Topology.Roles;

/// <summary>A running site role (MP or SUP) on its own HTTPS listener.</summary>
public sealed class SiteRoleInstance : IAsyncDisposable
{
    private readonly SiteRoleHost _host;

    internal SiteRoleInstance(SiteRoleHost host)
    {
        _host = host;
    }

    /// <summary>The bound URL, e.g. <c>https://127.0.0.1:8531/</c>.</summary>
    public Uri Url => _host.Url;

    public ValueTask DisposeAsync() => _host.DisposeAsync();
}
