using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using CmgSim.Identity.Certificates;
using CmgSim.Identity.Pki;
using Microsoft.Extensions.Logging.Abstractions;

namespace CmgSim.Identity.Tests;

/// <summary>Real TLS on loopback: proves the lab certificates work for Kestrel/SslStream in both directions.</summary>
public sealed class TlsHandshakeTests
{
    [Fact]
    public async Task Server_certificate_validates_against_the_lab_root_and_client_certificate_against_the_validator()
    {
        var directory = Path.Combine(Path.GetTempPath(), "cmgsim-pki-" + Guid.NewGuid().ToString("N"));
        try
        {
            using var pki = LabPki.LoadOrCreate(directory, new LabPkiOptions { ClientCount = 1 }, TimeProvider.System);
            var validator = new ClientCertificateValidator(
                pki.CreateClientValidatorOptions(), TimeProvider.System, NullLogger<ClientCertificateValidator>.Instance);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));

            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;

            CertificateValidationResult? clientResult = null;
            var serverTask = Task.Run(async () =>
            {
                using var tcp = await listener.AcceptTcpClientAsync(cts.Token);
                await using var tls = new SslStream(tcp.GetStream());
                await tls.AuthenticateAsServerAsync(
                    new SslServerAuthenticationOptions
                    {
                        ServerCertificateContext = pki.CreateSslCertificateContext(pki.ServerCertificate),
                        ClientCertificateRequired = true,
                        RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                        {
                            clientResult = validator.Validate(certificate as X509Certificate2);
                            return clientResult.Value.IsValid;
                        },
                    },
                    cts.Token);
                await tls.WriteAsync("ok"u8.ToArray(), cts.Token);
                return tls.SslProtocol;
            });

            string? serverCheck = null;
            using (var tcp = new TcpClient())
            {
                await tcp.ConnectAsync(IPAddress.Loopback, port, cts.Token);
                await using var tls = new SslStream(tcp.GetStream());
                await tls.AuthenticateAsClientAsync(
                    new SslClientAuthenticationOptions
                    {
                        TargetHost = pki.ServerCertificate.GetNameInfo(X509NameType.SimpleName, false),
                        ClientCertificates = [pki.Clients[0].Certificate],
                        RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
                        {
                            serverCheck = CheckServer((X509Certificate2)certificate!, chain!, errors, pki);
                            return serverCheck is null;
                        },
                    },
                    cts.Token);

                var buffer = new byte[2];
                await tls.ReadExactlyAsync(buffer, cts.Token);
                Assert.Equal("ok"u8.ToArray(), buffer);
            }

            var protocol = await serverTask;
            Assert.Null(serverCheck);
            Assert.True(clientResult?.IsValid, clientResult?.Detail);
            Assert.True(protocol >= SslProtocols.Tls12);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>Trusts only the lab root and uses only what the server sent, so the intermediate must travel in the handshake.</summary>
    private static string? CheckServer(X509Certificate2 certificate, X509Chain received, SslPolicyErrors errors, LabPki pki)
    {
        if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
        {
            return "name mismatch";
        }

        if (!received.ChainPolicy.ExtraStore.Cast<X509Certificate2>().Any(c => c.Thumbprint == pki.IssuingCa.Thumbprint))
        {
            return "the server did not send the issuing CA";
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(pki.RootCa);
        chain.ChainPolicy.ExtraStore.AddRange(received.ChainPolicy.ExtraStore);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        chain.ChainPolicy.ApplicationPolicy.Add(new System.Security.Cryptography.Oid("1.3.6.1.5.5.7.3.1"));
        return chain.Build(certificate)
            ? null
            : string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation));
    }
}
