using System.CommandLine;
using CmgSim.Core;
using CmgSim.Identity.Pki;

namespace CmgSim.Cli.Commands;

/// <summary><c>cmgsim pki init</c>: creates the lab PKI (or shows the one that exists).</summary>
internal static class PkiCommand
{
    public static Command Create()
    {
        var labDirectory = CommonOptions.LabDirectory();
        var serviceName = CommonOptions.ServiceName();
        var keyAlgorithm = CommonOptions.KeyAlgorithm();
        var clients = CommonOptions.Clients();
        var init = new Command("init", "Creates the lab PKI: root CA, issuing CA with CRL, the CMG server certificate, the connection point's and the clients' client-auth certificates. Existing files are reused.")
        {
            labDirectory, serviceName, keyAlgorithm, clients,
        };
        init.SetAction(parseResult =>
        {
            var layout = new LabLayout(parseResult.GetValue(labDirectory)!.FullName);
            using var pki = LabPki.LoadOrCreate(layout.PkiDirectory, new LabPkiOptions
            {
                ServiceName = parseResult.GetValue(serviceName)!,
                KeyAlgorithm = parseResult.GetValue(keyAlgorithm) == KeyAlgorithmChoice.Rsa ? LabKeyAlgorithm.Rsa2048 : LabKeyAlgorithm.EcdsaP256,
                ClientCount = parseResult.GetValue(clients),
            }, TimeProvider.System);
            Console.WriteLine($"Lab PKI in {pki.Directory}");
            Console.WriteLine($"  root CA          {pki.RootCaPemPath}");
            Console.WriteLine($"  issuing CA       {pki.IssuingCaPemPath}");
            Console.WriteLine($"  CRL              {pki.CrlPath}");
            Console.WriteLine($"  CMG server       {pki.ServerCertPemPath}  (CN={pki.ServerCertificate.GetNameInfo(System.Security.Cryptography.X509Certificates.X509NameType.SimpleName, false)})");
            Console.WriteLine($"  connection point {pki.ConnectionPointCertPemPath}");
            foreach (var client in pki.Clients)
            {
                Console.WriteLine($"  client           {client.CertPemPath}  key {client.KeyPemPath}");
            }

            return 0;
        });
        return new Command("pki", "Lab PKI commands.") { init };
    }
}
