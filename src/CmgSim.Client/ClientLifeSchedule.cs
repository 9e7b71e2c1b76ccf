namespace CmgSim.Client;

/// <summary>What a compressed-time schedule did.</summary>
public sealed record ClientScheduleResult(int PolicyPolls, int InventoryCycles, IReadOnlyList<ClientStepResult> Steps)
{
    public bool Succeeded => Steps.All(static s => s.Succeeded);
}

/// <summary>
/// Repeats policy polls and hardware inventory cycles on a compressed clock: an event due at simulated
/// time t runs at real time t / <see cref="ClientLifeOptions.TimeCompression"/> after the start, measured
/// on the injected <see cref="TimeProvider"/>. Due times are absolute, so a slow request delays the next
/// event but does not shift the whole schedule (late events run back to back to catch up).
/// </summary>
public sealed class ClientLifeSchedule
{
    private readonly ClientLifeOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly Func<CancellationToken, Task<ClientStepResult>> _pollPolicy;
    private readonly Func<CancellationToken, Task<ClientStepResult>> _runInventory;

    public ClientLifeSchedule(ClientLifeOptions options, TimeProvider timeProvider, Func<CancellationToken, Task<ClientStepResult>> pollPolicy, Func<CancellationToken, Task<ClientStepResult>> runInventory)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(pollPolicy);
        ArgumentNullException.ThrowIfNull(runInventory);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.TimeCompression);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.PolicyPollingInterval, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.HardwareInventoryInterval, TimeSpan.Zero);
        _options = options;
        _timeProvider = timeProvider;
        _pollPolicy = pollPolicy;
        _runInventory = runInventory;
    }

    /// <param name="duration">Simulated time to run for; returns once that much has passed on the compressed clock.</param>
    public async Task<ClientScheduleResult> RunAsync(TimeSpan duration, CancellationToken cancellationToken = default)
    {
        var started = _timeProvider.GetTimestamp();
        var steps = new List<ClientStepResult>();
        var polls = 0;
        var inventories = 0;
        var nextPolicy = _options.PolicyPollingInterval;
        var nextInventory = _options.HardwareInventoryInterval;
        while (true)
        {
            var next = nextPolicy < nextInventory ? nextPolicy : nextInventory;
            if (next > duration)
            {
                break;
            }

            await DelayUntilAsync(started, next, cancellationToken);
            if (nextPolicy <= next)
            {
                steps.Add(await _pollPolicy(cancellationToken));
                polls++;
                nextPolicy += _options.PolicyPollingInterval;
            }

            if (nextInventory <= next)
            {
                steps.Add(await _runInventory(cancellationToken));
                inventories++;
                nextInventory += _options.HardwareInventoryInterval;
            }
        }

        await DelayUntilAsync(started, duration, cancellationToken);
        return new ClientScheduleResult(polls, inventories, steps);
    }

    private async Task DelayUntilAsync(long started, TimeSpan simulated, CancellationToken cancellationToken)
    {
        var remaining = (simulated / _options.TimeCompression) - _timeProvider.GetElapsedTime(started);
        if (remaining > TimeSpan.Zero)
        {
            await Task.Delay(remaining, _timeProvider, cancellationToken);
        }
    }
}
