namespace CmgSim.Identity.SiteTokens;

/// <summary>A bulk registration token as <c>BulkRegistrationTokenTool.exe /new</c> prints it: tracking GUID, validity, the JWT.</summary>
public sealed record BulkRegistrationToken(Guid TokenId, DateTimeOffset ValidFrom, DateTimeOffset ValidTo, string Jwt);

/// <summary>A client token or CCM token; <paramref name="Kind"/> is its <c>Type</c> claim (<c>ClientToken</c>, <c>CcmToken</c>).</summary>
public sealed record SiteToken(Guid TokenId, string Kind, DateTimeOffset ValidFrom, DateTimeOffset ValidTo, string Jwt);

/// <summary>The kind of credential a CCM token was issued for (the type CCM_STS.log prints).</summary>
public enum CcmTokenType
{
    /// <summary>An Entra device token.</summary>
    Device,

    /// <summary>An Entra user token bound to a device.</summary>
    UDA,

    /// <summary>A bulk registration token.</summary>
    BulkRegistration,

    /// <summary>A site client token.</summary>
    ClientToken,
}

/// <summary>Who a CCM token speaks for (cmg-facts §2.3: type, hierarchyId, userId, deviceId).</summary>
public sealed record CcmTokenSubject
{
    public required CcmTokenType Type { get; init; }

    /// <summary>The client's SMS ID (<c>GUID:…</c>) once registered.</summary>
    public string? SmsId { get; init; }

    /// <summary>The Entra tenant of the presented Entra token.</summary>
    public Guid? TenantId { get; init; }

    public Guid? EntraDeviceId { get; init; }

    public Guid? UserObjectId { get; init; }

    public string? UserPrincipalName { get; init; }
}
