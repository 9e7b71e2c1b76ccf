using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Options;

namespace CmgSim.ManagementPoint.Tests;

public sealed class OptionsValidationTests
{
    [Fact]
    public async Task Start_fails_with_every_error_at_once()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseSetting("urls", "http://127.0.0.1:0");
        builder.Services.AddManagementPoint(o =>
        {
            o.SiteCode = "TOOLONG";
            o.Fqdn = "not a host";
            o.BuildNumber = 0;
        });
        await using var app = builder.Build();

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());

        Assert.Equal(3, ex.Failures.Count());
    }
}
