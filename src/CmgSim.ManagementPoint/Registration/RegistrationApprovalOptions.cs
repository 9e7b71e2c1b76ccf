namespace CmgSim.ManagementPoint.Registration;

/// <summary>
/// Which registrations are approved, by the path they came in on (client-protocols §3.1, cmg-facts §2.4–2.5).
/// The defaults follow the product's defaults; each is a setting because the public evidence is tool
/// behaviour, not documentation.
/// </summary>
public sealed class RegistrationApprovalOptions
{
    /// <summary>The hierarchy setting "Automatically approve all computers": approves anonymous <c>/ccm_system</c> registrations. Off by default.</summary>
    public bool AutoApproveAllComputers { get; set; }

    /// <summary>A PKI client certificate on the TLS connection (mutual auth, the CMG MutualAuth path) approves: PKI clients are trusted by their certificate.</summary>
    public bool ApproveClientCertificate { get; set; } = true;

    /// <summary>"Approve computers in trusted domains" (the default): <c>/ccm_system_windowsauth</c> registrations are approved. The account is not checked.</summary>
    public bool ApproveWindowsAuth { get; set; } = true;

    /// <summary><c>/ccm_system_altauth</c> (2403+) approves without credentials (SCCMSecrets).</summary>
    public bool ApproveAltAuth { get; set; } = true;

    /// <summary><c>/ccm_system_tokenauth</c> (Entra or site token) approves with status 3, as ClientIDManagerStartup.log shows. Token validation is not done yet.</summary>
    public bool ApproveTokenAuth { get; set; } = true;
}
