using CmgSim.CloudService.Capacity;

namespace CmgSim.CloudService.Tests.Capacity;

public sealed class VmSizeProfilesTests
{
    [Theory]
    [InlineData("lab", "Standard_B2s", 10)]
    [InlineData("standard", "Standard_A2_v2", 6000)]
    [InlineData("large", "Standard_A4_v2", 10000)]
    [InlineData("vmss-2103", "Standard_A2_v2", 2000)]
    [InlineData("classic", "Standard_A2_v2", 6000)]
    public void TryGet_EachProductSize_HasItsSkuAndSupportedConnections(string name, string azureSize, int supported)
    {
        Assert.True(VmSizeProfiles.TryGet(name, out var profile));

        Assert.Equal(name, profile.Name);
        Assert.Equal(azureSize, profile.AzureSize);
        Assert.Equal(supported, profile.SupportedConnections);
        Assert.False(string.IsNullOrWhiteSpace(profile.Description));
    }

    [Fact]
    public void All_ListsTheFiveSizes_StandardIsTheDefault()
    {
        Assert.Equal(["lab", "standard", "large", "vmss-2103", "classic"], VmSizeProfiles.All.Select(static p => p.Name));
        Assert.Equal("standard", VmSizeProfiles.DefaultName);
        Assert.Equal("standard", new CapacityOptions().VmSize);
        Assert.Equal("lab, standard, large, vmss-2103, classic", VmSizeProfiles.Names);
    }

    [Theory]
    [InlineData("LAB")]
    [InlineData("Vmss-2103")]
    [InlineData(" large ")]
    public void TryGet_IgnoresCaseAndSurroundingSpace(string name) =>
        Assert.True(VmSizeProfiles.TryGet(name, out _));

    [Theory]
    [InlineData("huge")]
    [InlineData("Standard_A2_v2")]
    [InlineData("")]
    [InlineData(null)]
    public void TryGet_UnknownName_ReturnsFalse(string? name) =>
        Assert.False(VmSizeProfiles.TryGet(name, out _));
}
