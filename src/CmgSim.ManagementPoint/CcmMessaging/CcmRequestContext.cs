using CmgSim.Identity.Tokens;

namespace CmgSim.ManagementPoint.CcmMessaging;

/// <summary>How a CCM_POST arrived: the path, whether the TLS connection carried a client certificate, and the NTLM identity if any.</summary>
/// <param name="WindowsAccount">DOMAIN\user (or workstation) from the NTLM AUTHENTICATE message; not validated.</param>
/// <param name="Token">On <c>ccm_system_tokenauth</c>: the validated CCM token the request carried.</param>
public sealed record CcmRequestContext(CcmAuthPath AuthPath, bool HasClientCertificate, string? WindowsAccount, BearerTokenValidationResult? Token = null);
