namespace CmgSim.ManagementPoint.CcmMessaging;

/// <summary>The four CcmMessaging paths (client-protocols §2.1): one ISAPI, different IIS authentication.</summary>
public enum CcmAuthPath
{
    /// <summary><c>/ccm_system/request</c>: anonymous (or mutual TLS with a PKI client certificate).</summary>
    Anonymous,

    /// <summary><c>/ccm_system_windowsauth/request</c>: IIS Windows authentication (NTLM/Negotiate).</summary>
    WindowsAuth,

    /// <summary><c>/ccm_system_altauth/request</c>: HTTPS without a client certificate (2403 and later).</summary>
    AltAuth,

    /// <summary><c>/ccm_system_tokenauth/request</c>: CCM or Entra token, the CMG ServerAuth path.</summary>
    TokenAuth,
}
