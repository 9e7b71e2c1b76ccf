using CmgSim.CloudService.Routing;
using CmgSim.Core;
using CmgSim.Core.Topology;
using CmgSim.Tunnel;
using CmgSim.Tunnel.CloudSide;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace CmgSim.CloudService.Tests.Routing;

public sealed class PublishedUrlListTests
{
    [Fact]
    public void TryGetEndpoint_UploadedBySite_ReturnsItsSiteAndPrefixes()
    {
        var options = new CloudServiceOptions();
        options.PublishedEndpoints.Add(new PublishedEndpoint { EndpointId = 7, Kind = SiteRoleKind.ManagementPoint, SiteCode = "PS1", AllowedPathPrefixes = SiteRolePaths.ManagementPoint });
        using var registry = CreateRegistry();
        var urls = new PublishedUrlList(Options.Create(options), registry);

        Assert.True(urls.TryGetEndpoint(7, out var site, out var prefixes));

        Assert.Equal("PS1", site);
        Assert.Same(SiteRolePaths.ManagementPoint, prefixes);
    }

    [Fact]
    public void TryGetEndpoint_PublishedOnlyByAConnectionPoint_ReturnsTheConnectionPointsMapping()
    {
        using var registry = CreateRegistry();
        var urls = new PublishedUrlList(Options.Create(new CloudServiceOptions()), registry);
        Assert.False(urls.TryGetEndpoint(9, out _, out _));

        registry.Publish(new ConnectionPointPublication
        {
            ConnectionPointName = "CMGCP01.contoso.com",
            SiteCode = "PS2",
            UrlMappings = [new PublishedUrlMapping(9, "https://sup.contoso.com:8531", SiteRolePaths.SoftwareUpdatePoint)],
        });

        Assert.True(urls.TryGetEndpoint(9, out var site, out var prefixes));
        Assert.Equal("PS2", site);
        Assert.True(SiteRolePaths.IsPublished(prefixes, "/ClientWebService/client.asmx"));
        Assert.False(SiteRolePaths.IsPublished(prefixes, "/SMS_MP/.sms_aut"));
    }

    [Theory]
    [InlineData("/SMS_MP/.sms_aut", true)]
    [InlineData("/sms_mp/.sms_pol", true)]
    [InlineData("/SMS_MP", true)]
    [InlineData("/SMS_MPX/evil", false)]
    [InlineData("/ccm_system_tokenauth/request", true)]
    [InlineData("/Foo", false)]
    [InlineData("", false)]
    public void IsPublished_ManagementPointPaths_MatchOnSegmentBoundaries(string path, bool expected) =>
        Assert.Equal(expected, SiteRolePaths.IsPublished(SiteRolePaths.ManagementPoint, path));

    private static ChannelRegistry CreateRegistry() =>
        new(Options.Create(new ChannelClientOptions()), TimeProvider.System, NullLogger<ChannelRegistry>.Instance);
}
