using System.Security.Cryptography.X509Certificates;

namespace CmgSim.Identity.Pki;

/// <summary>A client-auth certificate (with private key) and where its files are.</summary>
public sealed record LabClientCertificate(string Name, X509Certificate2 Certificate, string CertPemPath, string KeyPemPath, string PfxPath);
