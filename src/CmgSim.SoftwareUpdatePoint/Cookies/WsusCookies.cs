using System.Globalization;
using System.Xml.Linq;
using CmgSim.SoftwareUpdatePoint.Soap;
using Microsoft.Extensions.Options;

namespace CmgSim.SoftwareUpdatePoint.Cookies;

/// <summary>Issues and checks both cookies, turning every rejection into the [MS-WUSP] fault the client expects.</summary>
internal sealed class WsusCookies(WsusCookieProtector protector, TimeProvider timeProvider, IOptions<SoftwareUpdatePointOptions> options)
{
    private readonly SoftwareUpdatePointOptions _options = options.Value;

    public string IssueAuthorizationCookie(string clientId, string targetGroup)
    {
        var now = timeProvider.GetUtcNow();
        return protector.Protect(CookiePurpose.Authorization, new CookiePayload(clientId, targetGroup, now, now + _options.AuthorizationCookieLifetime));
    }

    /// <summary>Unreadable, foreign or expired all mean InvalidAuthorizationCookie: the only cure is a new one.</summary>
    public CookiePayload ReadAuthorizationCookie(string? cookieData)
    {
        var rejection = protector.TryUnprotect(cookieData, CookiePurpose.Authorization, out var payload);
        if (rejection != CookieRejection.None || payload is null)
        {
            throw new WsusFaultException(WsusErrorCode.InvalidAuthorizationCookie, $"The authorization cookie is not valid ({rejection}).");
        }

        if (payload.ExpiresAt <= timeProvider.GetUtcNow())
        {
            throw new WsusFaultException(WsusErrorCode.InvalidAuthorizationCookie, "The authorization cookie has expired.");
        }

        return payload;
    }

    /// <summary>A fresh <c>Cookie{Expiration, EncryptedData}</c> for the same client, named <paramref name="name"/>.</summary>
    public XElement IssueServerCookie(XName name, XNamespace ns, CookiePayload identity)
    {
        var now = timeProvider.GetUtcNow();
        var expires = now + _options.CookieLifetime;
        var sealedData = protector.Protect(CookiePurpose.Server, identity with { IssuedAt = now, ExpiresAt = expires });
        return new XElement(
            name,
            new XElement(ns + "Expiration", expires.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture)),
            new XElement(ns + "EncryptedData", sealedData));
    }

    /// <summary>
    /// Checks <c>cookie/EncryptedData</c>. The clear-text Expiration is ignored: only the sealed expiry
    /// counts, so a client cannot extend its cookie.
    /// </summary>
    public CookiePayload ReadServerCookie(XElement? cookie, XNamespace ns, bool allowExpired = false)
    {
        var encrypted = cookie?.Element(ns + "EncryptedData")?.Value;
        var rejection = protector.TryUnprotect(encrypted, CookiePurpose.Server, out var payload);
        switch (rejection)
        {
            case CookieRejection.ForeignServer:
                throw new WsusFaultException(WsusErrorCode.ServerChanged, "The cookie was issued by another server.");
            case CookieRejection.Malformed:
            case CookieRejection.None when payload is null:
                throw new WsusFaultException(WsusErrorCode.InvalidCookie, "The cookie's EncryptedData is missing or not valid.");
        }

        if (!allowExpired && payload!.ExpiresAt <= timeProvider.GetUtcNow())
        {
            throw new WsusFaultException(WsusErrorCode.CookieExpired, "The cookie has expired.");
        }

        return payload!;
    }
}
