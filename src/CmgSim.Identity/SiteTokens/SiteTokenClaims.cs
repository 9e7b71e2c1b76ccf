using System.Globalization;

namespace CmgSim.Identity.SiteTokens;

/// <summary>Claim names and values of site-issued tokens (cmg-facts §2.4, client-protocols §5.1).</summary>
public static class SiteTokenClaims
{
    public const string Audience = "urn:sccm:service";
    public const string IssuerPrefix = "urn:sccm:oauth2:";

    public const string TokenCategory = "SCCMTokenCategory";
    public const string Authority = "Authority";
    public const string License = "License";
    public const string Type = "Type";
    public const string TenantId = "TenantId";
    public const string UniqueId = "UniqueId";
    public const string SmsId = "SMSID";
    public const string DeviceId = "deviceid";
    public const string CcmTokenType = "TokenType";
    public const string HierarchyId = "hierarchyId";
    public const string EntraTenantId = "tid";
    public const string UserId = "userid";
    public const string UserPrincipalName = "upn";

    public const string PreAuthCategory = "SCCMPreAuthToken";
    public const string ClientTokenCategory = "SCCMClientToken";
    public const string AccessTokenCategory = "SCCMAccessToken";

    public const string BulkRegistrationType = "BulkRegistration";
    public const string ClientTokenType = "ClientToken";
    public const string CcmTokenTypeValue = "CcmToken";

    public const string Sccm = "SCCM";

    /// <summary><c>urn:sccm:oauth2:&lt;hierarchy id, lower case&gt;</c>.</summary>
    public static string Issuer(Guid hierarchyId) => IssuerPrefix + hierarchyId.ToString("D", CultureInfo.InvariantCulture);
}
