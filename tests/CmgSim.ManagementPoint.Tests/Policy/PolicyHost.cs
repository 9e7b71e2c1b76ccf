using System.Net;
using CmgSim.ManagementPoint.Policy;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CmgSim.ManagementPoint.Tests.Policy;

/// <summary>An HTTP MP that approves every registration, with policy options set by the subclass.</summary>
public class PolicyHost : IAsyncLifetime
{
    private WebApplication? _app;

    public HttpClient Client { get; private set; } = null!;

    internal IServiceProvider Services => _app!.Services;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        builder.Services.AddManagementPoint(o => o.RegistrationApproval.AutoApproveAllComputers = true);
        builder.Services.Configure<PolicyOptions>(Configure);
        _app = builder.Build();
        _app.MapManagementPoint();
        await _app.StartAsync();
        Client = new HttpClient { BaseAddress = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()) };
    }

    protected virtual void Configure(PolicyOptions options)
    {
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}

public sealed class Aes256PolicyHost : PolicyHost
{
    protected override void Configure(PolicyOptions options)
    {
        options.ContentCipher = SecretPolicyContentCipher.Aes256;
        options.KeyTransportPadding = System.Security.Cryptography.RSAEncryptionPadding.OaepSHA1;
        options.ObfuscationCipher = Messaging.Policy.PolicySecretCipher.Aes256;
    }
}
