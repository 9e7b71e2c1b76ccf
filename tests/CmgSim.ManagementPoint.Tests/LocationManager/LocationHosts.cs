using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Xml.Linq;
using CmgSim.ManagementPoint.LocationManager;
using CmgSim.Messaging;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CmgSim.ManagementPoint.Tests.LocationManager;

/// <summary>A real Kestrel MP with <see cref="LocationOptions"/> set by the subclass; the listener accepts (does not require) client certificates.</summary>
public abstract class LocationHostBase : IAsyncLifetime
{
    public const string CmgServiceName = "GRAPHICSCMG.CLOUDAPP.NET";
    public const long SupEndpointId = 72057594037927941;
    public const string AliceDevice = "GUID:0A1B2C3D-0000-4000-8000-000000000001";

    private static readonly HttpMethod CcmPost = new("CCM_POST");

    private WebApplication? _app;

    public HttpClient Client { get; private set; } = null!;

    /// <summary>A client presenting a (self-signed) TLS client certificate.</summary>
    public HttpClient ClientWithCertificate { get; private set; } = null!;

    protected abstract void Configure(LocationOptions options);

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var certificate = CreateCertificate("CN=MP01.contoso.com", server: true);
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0, l => l.UseHttps(new HttpsConnectionAdapterOptions
        {
            ServerCertificate = certificate,
            ClientCertificateMode = ClientCertificateMode.AllowCertificate,
            ClientCertificateValidation = (_, _, _) => true,
        })));
        builder.Services.AddManagementPoint(o => o.SiteCode = "PS1");
        builder.Services.Configure<LocationOptions>(Configure);
        _app = builder.Build();
        _app.MapManagementPoint();
        await _app.StartAsync();
        var address = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        Client = CreateClient(address, certificate, clientCertificate: null);
        ClientWithCertificate = CreateClient(address, certificate, CreateCertificate("CN=CMGCP01.contoso.com", server: false));
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        ClientWithCertificate.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    /// <summary>Sends <paramref name="body"/> to MP_LocationManager in a real CCM_POST envelope; returns the reply body, or null for the empty 200.</summary>
    public async Task<XElement?> LocateAsync(string body, string? forwardedPrefix = null)
    {
        var header = new MsgHeader
        {
            Id = "{" + Guid.NewGuid().ToString().ToUpperInvariant() + "}",
            SourceHost = "CLIENT01",
            TargetAddress = "mp:[http]MP_LocationManager",
            TargetEndpoint = "MP_LocationManager",
            ReplyTo = "direct:CLIENT01:LS_ReplyLocations",
            ReplyMode = "Sync",
        };
        using var request = new HttpRequestMessage(CcmPost, "/ccm_system/request") { Content = new ByteArrayContent(CcmMessageWriter.Write(CcmMessage.Create(header, body))) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(CcmMessageWriter.GetContentType());
        if (forwardedPrefix is not null)
        {
            request.Headers.Add(LocationOptions.ForwardedPrefixHeader, forwardedPrefix);
        }

        using var response = await Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        if (bytes.Length == 0)
        {
            return null;
        }

        var reply = CcmMessageReader.Read(bytes, response.Content.Headers.ContentType!.ToString());
        Assert.Equal(header.Id, reply.Header.CorrelationId);
        return XElement.Parse(reply.Message.Body);
    }

    private static HttpClient CreateClient(Uri address, X509Certificate2 server, X509Certificate2? clientCertificate)
    {
        var handler = new SocketsHttpHandler
        {
            SslOptions = { RemoteCertificateValidationCallback = (_, presented, _, _) => presented?.GetCertHashString() == server.GetCertHashString() },
        };
        if (clientCertificate is not null)
        {
            handler.SslOptions.ClientCertificates = [clientCertificate];
            handler.SslOptions.LocalCertificateSelectionCallback = (_, _, _, _, _) => clientCertificate;
        }

        return new HttpClient(handler) { BaseAddress = address };
    }

    private static X509Certificate2 CreateCertificate(string subject, bool server)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        if (server)
        {
            var san = new SubjectAlternativeNameBuilder();
            san.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(san.Build());
        }

        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(server ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2")], critical: false));
        using var certificate = request.CreateSelfSigned(new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2099, 1, 1, 0, 0, 0, TimeSpan.Zero));
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
    }
}

/// <summary>A site with a SUP, a DP and a content-enabled CMG whose SUP is CMG-enabled.</summary>
public sealed class FullSiteHost : LocationHostBase
{
    protected override void Configure(LocationOptions options)
    {
        options.CmgServiceName = CmgServiceName;
        options.CmgPublicPort = 443;
        options.SoftwareUpdatePointEndpointId = SupEndpointId;
        options.SoftwareUpdatePointUrl = new Uri("https://SUP01.contoso.com:8531");
        options.DistributionPointFqdn = "DP01.contoso.com";
        options.CmgContentEnabled = true;
        options.PrimaryUsers[AliceDevice] = @"CONTOSO\alice";
    }
}

/// <summary>An HTTPS-only MP (client certificate required) in a site without SUP, DP or CMG.</summary>
public sealed class HttpsOnlyBareSiteHost : LocationHostBase
{
    protected override void Configure(LocationOptions options) => options.RequireClientCertificate = true;
}
