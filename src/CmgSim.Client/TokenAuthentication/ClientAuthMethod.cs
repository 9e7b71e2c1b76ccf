namespace CmgSim.Client.TokenAuthentication;

/// <summary>How a simulated client authenticates to the CMG (cmg-facts §2.1).</summary>
public enum ClientAuthMethod
{
    /// <summary>A PKI client-auth certificate on <c>CCM_Proxy_MutualAuth</c>.</summary>
    Pki,

    /// <summary>An Entra-joined device: Entra device token (user token as fallback) → CCM token, on <c>CCM_Proxy_ServerAuth</c>.</summary>
    Entra,

    /// <summary>Installed with a bulk registration token: bulk token → registration → site client token → CCM token.</summary>
    Token,
}
