namespace CmgSim.FunctionalTests;

/// <summary>
/// One topology for every test that does not change it: a single channel per VM instance (so concurrency
/// tests really share one channel), and an MP IIS log that also records Authorization.
/// </summary>
public sealed class SharedLabFixture : IAsyncLifetime
{
    private RunningLab? _running;

    internal RunningLab Running => _running ?? throw new InvalidOperationException("The shared lab is not started.");

    public async Task InitializeAsync()
    {
        _running = await TestLab.StartWithLogsAsync(static options =>
        {
            options.ChannelsPerInstance = 1;
            options.ManagementPointIisLogHeaders.Add("Authorization");
        });
    }

    public async Task DisposeAsync()
    {
        if (_running is not null)
        {
            await _running.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class SharedLab : ICollectionFixture<SharedLabFixture>
{
    public const string Name = "Shared lab";
}
