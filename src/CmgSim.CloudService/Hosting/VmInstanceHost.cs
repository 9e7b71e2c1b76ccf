using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using CmgSim.CloudService.Capacity;
using CmgSim.Tunnel.CloudSide;
using CmgSim.Core.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CmgSim.CloudService.Hosting;

/// <summary>One CMG VM instance: its own Kestrel with the public, instance and channel listeners.</summary>
public sealed class VmInstanceHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private VmInstanceHost(WebApplication app, string name, int publicPort, Uri instanceUrl, Uri channelUrl)
    {
        _app = app;
        Name = name;
        PublicPort = publicPort;
        InstanceUrl = instanceUrl;
        ChannelUrl = channelUrl;
    }

    public string Name { get; }

    public int PublicPort { get; }

    public Uri InstanceUrl { get; }

    /// <summary>The base URL connection points dial (the channel path is appended per connection point).</summary>
    public Uri ChannelUrl { get; }

    public ChannelRegistry Channels => _app.Services.GetRequiredService<ChannelRegistry>();

    /// <summary>The capacity status endpoint on the instance listener (<see cref="VmCapacityProtocol.StatusPath"/>).</summary>
    public Uri StatusUrl => new(InstanceUrl, VmCapacityProtocol.StatusPath);

    /// <summary>The instance's capacity state now: client connections against its VM size, added delay.</summary>
    public VmInstanceStatus CapacityStatus => _app.Services.GetRequiredService<VmCapacity>().GetStatus();

    public IServiceProvider Services => _app.Services;

    public static async Task<VmInstanceHost> StartAsync(VmInstanceHostSettings settings, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var builder = RoleHostBuilder.Create(settings.LoggerFactory, settings.TimeProvider, settings.ShutdownTimeout);
        // A distinct object, so the socket hook knows the public endpoint even when its port is 0.
        var publicEndpoint = new IPEndPoint(settings.PublicEndpoint.Address, settings.PublicEndpoint.Port);
        builder.WebHost.UseSockets(o => o.CreateBoundListenSocket = endpoint => BindListenSocket(endpoint, publicEndpoint));
        builder.WebHost.UseKestrel(kestrel =>
        {
            // Dead connection points are noticed by HTTP/2 PINGs on their channel connections.
            kestrel.Limits.Http2.KeepAlivePingDelay = TimeSpan.FromSeconds(30);
            kestrel.Limits.Http2.KeepAlivePingTimeout = TimeSpan.FromSeconds(20);
            Listen(kestrel, publicEndpoint, VmListenerKind.Public, HttpProtocols.Http1AndHttp2, settings);
            Listen(kestrel, settings.InstanceEndpoint, VmListenerKind.Instance, HttpProtocols.Http1AndHttp2, settings);
            Listen(kestrel, settings.ChannelEndpoint, VmListenerKind.Channel, HttpProtocols.Http2, settings);
        });
        builder.Services.AddCloudService(settings.Configure, settings.Validators, settings.TokenAuthentication);
        if (settings.ConfigureChannels is { } configureChannels)
        {
            builder.Services.Configure(configureChannels);
        }

        var app = builder.Build();
        app.UseVmInstanceHeaders();
        app.MapCloudService();
        await app.StartAsync(cancellationToken);

        // Kestrel reports addresses in the order the listeners were added.
        var addresses = app.BoundAddresses();
        var instanceName = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<CloudServiceOptions>>().Value.InstanceName;
        return new VmInstanceHost(app, instanceName, addresses[0].Port, addresses[1], addresses[2]);
    }

    private static void Listen(KestrelServerOptions kestrel, IPEndPoint endpoint, VmListenerKind kind, HttpProtocols protocols, VmInstanceHostSettings settings)
    {
        var feature = new VmListenerFeature(kind);
        kestrel.Listen(endpoint, listen =>
        {
            listen.Protocols = protocols;
            listen.Use(next => connection =>
            {
                connection.Features.Set(feature);
                return next(connection);
            });
            if (kind != VmListenerKind.Channel)
            {
                // Client connections count against the instance's VM size (the capacity model).
                listen.UseVmCapacity();
            }

            listen.UseHttps(new HttpsConnectionAdapterOptions
            {
                ServerCertificate = settings.ServerCertificate,
                ServerCertificateChain = settings.ServerCertificateChain,

                // The certificate is requested in the handshake but judged per URL: ServerAuth URLs and
                // ServiceMetadata work without one, and a bad one gets the CMG's 403, not a TLS alert.
                ClientCertificateMode = ClientCertificateMode.AllowCertificate,
                ClientCertificateValidation = static (_, _, _) => true,

                // "Enforce TLS 1.2" is on by default in the product.
                SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            });
        });
    }

    /// <summary>
    /// The public port is shared by every VM instance: SO_REUSEPORT lets the kernel spread connections. Every
    /// socket on the port needs it, the first one too, also when it picks a free port (port 0).
    /// </summary>
    private static Socket BindListenSocket(EndPoint endpoint, IPEndPoint publicEndpoint)
    {
        if (endpoint is IPEndPoint ip && (ReferenceEquals(ip, publicEndpoint) || (publicEndpoint.Port != 0 && ip.Port == publicEndpoint.Port)))
        {
            var socket = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            if (OperatingSystem.IsLinux())
            {
                const int SolSocket = 1;
                const int SoReusePort = 15;
                socket.SetRawSocketOption(SolSocket, SoReusePort, BitConverter.GetBytes(1));
            }

            socket.Bind(ip);
            return socket;
        }

        return SocketTransportOptions.CreateDefaultBoundListenSocket(endpoint);
    }

    public async Task StopAsync(CancellationToken cancellationToken = default) => await _app.StopAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
