using System.Security.Cryptography.X509Certificates;
using CmgSim.ManagementPoint.Registration;

namespace CmgSim.ManagementPoint;

/// <summary>Settings of the simulated management point. Validated at start-up (all errors reported at once).</summary>
public sealed class ManagementPointOptions
{
    /// <summary>Three-character site code, e.g. <c>PS1</c>.</summary>
    public string SiteCode { get; set; } = "PS1";

    /// <summary>The site's display name, returned in <c>SiteInfoReply</c>.</summary>
    public string SiteName { get; set; } = "Primary Site";

    /// <summary>The MP's host name; <c>.sms_aut?MPLIST</c> returns it upper-case as <c>Name</c> and lower-case as <c>FQDN</c>.</summary>
    public string Fqdn { get; set; } = "MP01.contoso.com";

    /// <summary>Product build number (9106 = 2403 in the public captures).</summary>
    public int BuildNumber { get; set; } = 9106;

    /// <summary>
    /// The <c>SSLState</c> capability in <c>MPLIST</c>. The public capture (an HTTP MP) shows 0;
    /// what an HTTPS MP reports is not captured publicly [U], so it is a setting.
    /// </summary>
    public int SslState { get; set; }

    /// <summary>
    /// The site signing certificate returned for <c>SITESIGNCERT</c> (and whose key is the trusted root
    /// key of <c>MPKEYINFORMATION</c>). When null a self-signed RSA certificate with CN "Site Server"
    /// and a DNS SAN of <see cref="Fqdn"/> is generated once at start-up.
    /// </summary>
    public X509Certificate2? SiteSigningCertificate { get; set; }

    /// <summary>Largest <c>CCM_POST</c> body read; larger bodies get the product's empty 200.</summary>
    public int MaxMessageBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>
    /// The site database file (SQLite, WAL, synchronous=FULL), normally in the lab folder. Null keeps
    /// the database in memory for the life of the host (unit tests, throw-away runs).
    /// </summary>
    public string? SiteDatabasePath { get; set; }

    /// <summary>
    /// Endpoints whose messages must carry a valid <c>clientauth</c> signature from a registered
    /// client (Visibility <c>ClientSigned</c>, DC33 slide 13). Registration is not here: it carries
    /// its own signature over <c>&lt;Data&gt;</c>. Inventory and relay posts are signed with clientauth too
    /// (client-protocols §3.6, §3.7).
    /// </summary>
    public ISet<string> ClientSignedEndpoints { get; } = new HashSet<string>(["MP_PolicyManager", "MP_TokenManager", "MP_DdrEndpoint", "MP_HinvEndpoint", "MP_SinvEndpoint", "MP_SinvCollFileEndpoint", "MP_RelayEndpoint"], StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Refuse signed messages from registered but unapproved clients (empty 200). Off by default:
    /// unapproved clients still get ordinary policy; only secret policy needs approval (SCCMSecrets).
    /// </summary>
    public bool RejectUnapprovedClients { get; set; }

    /// <summary>Approval of registrations by path.</summary>
    public RegistrationApprovalOptions RegistrationApproval { get; } = new();

    /// <summary>The four-part product version derived from <see cref="BuildNumber"/>, e.g. <c>5.00.9106.1000</c>.</summary>
    public string ProductVersion => $"5.00.{BuildNumber}.1000";
}
