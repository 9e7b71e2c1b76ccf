using System.Security.Cryptography.X509Certificates;

namespace CmgSim.ManagementPoint.LocationManager;

/// <summary>
/// What the MP's location code (<c>.sms_aut</c> and <c>MP_LocationManager</c>) knows about the site's
/// other roles and the CMG. Separate from <see cref="ManagementPointOptions"/> so the site topology can
/// be wired without touching the MP's identity settings. Validated at start-up.
/// </summary>
public sealed class LocationOptions
{
    /// <summary>
    /// The header by which the MP recognises a request forwarded by the CMG connection point: the path
    /// prefix the connection point stripped, e.g. <c>/CCM_Proxy_MutualAuth/72057594037927939</c>. The
    /// product's own marker is not public [U]; <c>X-Forwarded-Prefix</c> is the standard header for
    /// exactly this rewrite, so a proxy in front of the simulator can set it too.
    /// </summary>
    public const string ForwardedPrefixHeader = "X-Forwarded-Prefix";

    /// <summary>The CMG service name clients use, e.g. <c>GRAPHICSCMG.CLOUDAPP.NET</c>; null when the site has no CMG.</summary>
    public string? CmgServiceName { get; set; }

    /// <summary>The CMG's public HTTPS port when it is not 443 (lab hosts listen on high ports).</summary>
    public int? CmgPublicPort { get; set; }

    /// <summary>
    /// The CMG endpoint (role) id of the CMG-enabled software update point: the <c>&lt;id&gt;</c> of
    /// <c>https://&lt;svc&gt;/CCM_Proxy_MutualAuth/&lt;id&gt;</c> handed out in <c>WSUSLocationReply</c>.
    /// Null when the SUP is not CMG-enabled (internet clients then get no SUP).
    /// </summary>
    public long? SoftwareUpdatePointEndpointId { get; set; }

    /// <summary>The SUP's intranet WSUS URL, e.g. <c>https://SUP01.contoso.com:8531</c>; null when the site has no SUP.</summary>
    public Uri? SoftwareUpdatePointUrl { get; set; }

    /// <summary>The intranet distribution point offered in <c>ContentLocationReply</c>; null when none holds content.</summary>
    public string? DistributionPointFqdn { get; set; }

    /// <summary>Whether the CMG is content-enabled (a cloud content source, cmg-facts §1.4).</summary>
    public bool CmgContentEnabled { get; set; }

    /// <summary>
    /// An HTTPS-only MP: IIS requires a client certificate on <c>/SMS_MP</c>, so <c>.sms_aut</c> requests
    /// without one get <c>403 Client certificate required</c> (client-protocols §1, SMSTRC row). The
    /// listener must ask for client certificates (Kestrel <c>ClientCertificateMode.AllowCertificate</c>)
    /// or every request is refused. Through the CMG the connection point's certificate satisfies it.
    /// </summary>
    public bool RequireClientCertificate { get; set; }

    /// <summary>The "SMS Issuing" root returned by <c>SMSTRC</c>; null generates a self-signed RSA CA once per MP.</summary>
    public X509Certificate2? SmsIssuingCertificate { get; set; }

    /// <summary>The x86 "Unknown Computer" client id; null derives a stable one from the site code.</summary>
    public Guid? X86UnknownMachineGuid { get; set; }

    /// <summary>The x64 "Unknown Computer" client id; null derives a stable one from the site code.</summary>
    public Guid? X64UnknownMachineGuid { get; set; }

    /// <summary>
    /// User device affinity for <c>GETCLIENTAFFINITY</c>: SMSID (<c>GUID:…</c>) → primary user
    /// (<c>DOMAIN\user</c>). Used until the site database provides <see cref="Authority.IUserDeviceAffinitySource"/>.
    /// </summary>
    public IDictionary<string, string> PrimaryUsers { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>The CMG-based URL prefix of the SUP, or null when the CMG or the SUP's endpoint id is not configured.</summary>
    public string? CmgSoftwareUpdatePointUrl =>
        CmgServiceName is null || SoftwareUpdatePointEndpointId is null
            ? null
            : $"{CmgBaseUrl}/CCM_Proxy_MutualAuth/{SoftwareUpdatePointEndpointId}";

    /// <summary><c>https://&lt;svc&gt;[:port]</c>, or null without a CMG.</summary>
    public string? CmgBaseUrl =>
        CmgServiceName is null
            ? null
            : CmgPublicPort is null or 443 ? $"https://{CmgServiceName}" : $"https://{CmgServiceName}:{CmgPublicPort}";
}
