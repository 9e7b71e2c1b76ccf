using CmgSim.CloudService.Capacity;

namespace CmgSim.CloudService.Tests.Capacity;

/// <summary>The overload delay: min(MaxAddedDelay, OverloadStepDelay + DelayPerOverloadPercent × overload%).</summary>
public sealed class CapacityOptionsTests
{
    private readonly CapacityOptions _defaults = new();

    [Fact]
    public void Defaults_Step50Ms_20MsPerPercent_Max30s_Delay()
    {
        Assert.Equal(TimeSpan.FromMilliseconds(50), _defaults.OverloadStepDelay);
        Assert.Equal(TimeSpan.FromMilliseconds(20), _defaults.DelayPerOverloadPercent);
        Assert.Equal(TimeSpan.FromSeconds(30), _defaults.MaxAddedDelay);
        Assert.Equal(OverloadMode.Delay, _defaults.OverloadMode);
        Assert.Empty(_defaults.Validate());
    }

    [Theory]
    [InlineData(0, 10)]
    [InlineData(9, 10)]
    [InlineData(10, 10)]
    [InlineData(6000, 6000)]
    public void AddedDelay_AtOrBelowTheLimit_IsZero(int active, int supported) =>
        Assert.Equal(TimeSpan.Zero, _defaults.AddedDelayFor(active, supported));

    [Theory]
    // Lab: one connection over 10 is 10 % over → 50 + 20 × 10 = 250 ms.
    [InlineData(11, 10, 250)]
    // Standard: one over 6,000 is 1/60 % over → 50 + 20/60 ms; the step alone shows in p95.
    [InlineData(6001, 6000, 50.333)]
    // VMSS 2103: 10 % over → 250 ms; 50 % over → 1,050 ms; twice the supported → 2,050 ms.
    [InlineData(2200, 2000, 250)]
    [InlineData(3000, 2000, 1050)]
    [InlineData(4000, 2000, 2050)]
    public void AddedDelay_OverTheLimit_IsTheStepPlusThePerPercentDelay(int active, int supported, double expectedMs) =>
        Assert.Equal(expectedMs, _defaults.AddedDelayFor(active, supported).TotalMilliseconds, 3);

    [Theory]
    [InlineData(160, 10)]
    [InlineData(100_000, 6000)]
    [InlineData(int.MaxValue, 10)]
    public void AddedDelay_FarOver_IsCappedAtTheMaximum(int active, int supported) =>
        Assert.Equal(TimeSpan.FromSeconds(30), _defaults.AddedDelayFor(active, supported));

    [Fact]
    public void AddedDelay_GrowsWithTheOverload()
    {
        var previous = TimeSpan.Zero;
        for (var active = 6001; active <= 20_000; active += 500)
        {
            var delay = _defaults.AddedDelayFor(active, 6000);
            Assert.True(delay >= previous, $"{active}: {delay} < {previous}");
            previous = delay;
        }
    }

    [Fact]
    public void AddedDelay_PureFunction_UsesTheGivenParameters() =>
        Assert.Equal(
            TimeSpan.FromMilliseconds(5 + (2 * 50)),
            CapacityOptions.AddedDelay(15, 10, TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(2), TimeSpan.FromSeconds(1)));

    [Fact]
    public void Validate_ReportsEveryProblemAtOnce()
    {
        var options = new CapacityOptions
        {
            VmSize = "huge",
            OverloadMode = (OverloadMode)7,
            OverloadStepDelay = TimeSpan.FromMilliseconds(-1),
            DelayPerOverloadPercent = TimeSpan.FromMilliseconds(-1),
            MaxAddedDelay = TimeSpan.FromMilliseconds(-5),
        };

        var errors = options.Validate();

        Assert.Equal(5, errors.Count);
        Assert.Contains(errors, static e => e.Contains("'huge'", StringComparison.Ordinal) && e.Contains("lab, standard, large, vmss-2103, classic", StringComparison.Ordinal));
        Assert.Contains(errors, static e => e.StartsWith("OverloadMode", StringComparison.Ordinal));
        Assert.Contains(errors, static e => e.StartsWith("OverloadStepDelay", StringComparison.Ordinal));
        Assert.Contains(errors, static e => e.StartsWith("DelayPerOverloadPercent", StringComparison.Ordinal));
        Assert.Contains(errors, static e => e.StartsWith("MaxAddedDelay", StringComparison.Ordinal));
    }
}
