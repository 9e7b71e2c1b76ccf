namespace CmgSim.Identity.Tokens;

/// <summary>What a validated bearer token is.</summary>
public enum BearerTokenKind
{
    /// <summary>An Entra token of the device itself (ccmsetup's preferred token).</summary>
    EntraDevice,

    /// <summary>An Entra token of a user, with or without the device it was issued on.</summary>
    EntraUser,

    /// <summary>An app-only Entra token (client credentials).</summary>
    EntraApplication,

    /// <summary>A site bulk registration token (BulkRegistrationTokenTool.exe).</summary>
    BulkRegistration,

    /// <summary>The site's 90-day client token.</summary>
    ClientToken,

    /// <summary>The 8-hour CCM token from CCM_STS.</summary>
    CcmToken,
}
