using CmgSim.CloudService.Routing;

namespace CmgSim.CloudService.Tests.Routing;

public sealed class CmgRequestTargetTests
{
    [Theory]
    [InlineData("/CCM_Proxy_MutualAuth/72057594037927939/SMS_MP/.sms_aut", CmgAuthPrefix.MutualAuth, 72057594037927939L, "/SMS_MP/.sms_aut")]
    [InlineData("/ccm_proxy_serverauth/72057594037927939/CCM_STS", CmgAuthPrefix.ServerAuth, 72057594037927939L, "/CCM_STS")]
    [InlineData("/CCM_Proxy_MutualAuth/42", CmgAuthPrefix.MutualAuth, 42L, "")]
    public void TryParse_EndpointUrl_ReturnsPrefixIdAndRest(string path, CmgAuthPrefix prefix, long endpointId, string rest)
    {
        Assert.True(CmgRequestTarget.TryParse(path, out var target));

        Assert.Equal(prefix, target.Prefix);
        Assert.Equal(endpointId, target.EndpointId);
        Assert.Equal(rest, target.Rest);
    }

    [Fact]
    public void TryParse_ServiceEndpoint_HasNoEndpointId()
    {
        Assert.True(CmgRequestTarget.TryParse("/CCM_Proxy_ServerAuth/ServiceMetadata", out var target));

        Assert.Null(target.EndpointId);
        Assert.Equal("ServiceMetadata", target.Segment);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/CCM_Proxy_MutualAuth")]
    [InlineData("/CCM_Proxy_MutualAuth/")]
    [InlineData("/CCM_Proxy_MutualAuthX/1/SMS_MP")]
    [InlineData("/SMS_MP/.sms_aut")]
    public void TryParse_NotACmgUrl_ReturnsFalse(string path) =>
        Assert.False(CmgRequestTarget.TryParse(path, out _));

    [Fact]
    public void TryParse_NegativeOrSignedId_IsNotAnEndpointId()
    {
        Assert.True(CmgRequestTarget.TryParse("/CCM_Proxy_MutualAuth/-3/SMS_MP", out var target));

        Assert.Null(target.EndpointId);
    }
}
