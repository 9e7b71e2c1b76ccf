using CmgSim.Identity.Certificates;

namespace CmgSim.CloudService.ClientAuthentication;

/// <summary>
/// The two trust decisions a VM instance makes: client certificates against the roots the admin uploaded
/// to the CMG, and connection point certificates against the site's roots.
/// </summary>
public sealed class CloudCertificateValidators(ClientCertificateValidator clients, ClientCertificateValidator connectionPoints)
{
    public ClientCertificateValidator Clients { get; } = clients;

    public ClientCertificateValidator ConnectionPoints { get; } = connectionPoints;
}
