using CmgSim.ManagementPoint.LocationManager;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CmgSim.ManagementPoint.Tests.LocationManager;

public sealed class LocationOptionsValidationTests
{
    [Fact]
    public async Task Start_fails_with_every_location_error_at_once()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseSetting("urls", "http://127.0.0.1:0");
        builder.Services.AddManagementPoint();
        builder.Services.Configure<LocationOptions>(o =>
        {
            o.CmgServiceName = "not a host";
            o.CmgPublicPort = 70000;
            o.SoftwareUpdatePointEndpointId = 0;
            o.SoftwareUpdatePointUrl = new Uri("ftp://sup01.contoso.com");
        });
        await using var app = builder.Build();

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());

        Assert.Equal(4, ex.Failures.Count());
        Assert.All(ex.Failures, f => Assert.StartsWith("Location:", f, StringComparison.Ordinal));
    }

    [Fact]
    public void Content_enabled_cmg_needs_a_service_name()
    {
        var result = new LocationOptionsValidator().Validate(null, new LocationOptions { CmgContentEnabled = true });

        Assert.Contains("Location:CmgContentEnabled needs Location:CmgServiceName.", result.Failures!);
    }

    [Theory]
    [InlineData(null, "https://CMG.CLOUDAPP.NET/CCM_Proxy_MutualAuth/7")]
    [InlineData(443, "https://CMG.CLOUDAPP.NET/CCM_Proxy_MutualAuth/7")]
    [InlineData(44300, "https://CMG.CLOUDAPP.NET:44300/CCM_Proxy_MutualAuth/7")]
    public void The_cmg_sup_url_carries_a_non_default_port(int? port, string expected)
    {
        var options = new LocationOptions { CmgServiceName = "CMG.CLOUDAPP.NET", CmgPublicPort = port, SoftwareUpdatePointEndpointId = 7 };

        Assert.Equal(expected, options.CmgSoftwareUpdatePointUrl);
    }

    [Fact]
    public void Without_a_sup_endpoint_id_there_is_no_cmg_sup_url()
    {
        Assert.Null(new LocationOptions { CmgServiceName = "CMG.CLOUDAPP.NET" }.CmgSoftwareUpdatePointUrl);
    }
}
