namespace CmgSim.SoftwareUpdatePoint.Soap;

/// <summary>
/// The <c>detail/ErrorCode</c> values of [MS-WUSP] 2.2.2.4 that this SUP raises; the names are the
/// wire strings. The client reacts by re-running part of the chain (3.1.5.4).
/// </summary>
public enum WsusErrorCode
{
    /// <summary>A parameter is missing or malformed; the message names it.</summary>
    InvalidParameters,

    /// <summary>The server cookie's EncryptedData cannot be read (tampered, truncated, wrong purpose).</summary>
    InvalidCookie,

    /// <summary>The server cookie was readable but its expiry has passed; the client calls GetCookie again.</summary>
    CookieExpired,

    /// <summary>The authorization cookie (from GetAuthorizationCookie) is unreadable, expired or for another plug-in.</summary>
    InvalidAuthorizationCookie,

    /// <summary>SyncUpdates from a client id that has not called RegisterComputer.</summary>
    RegistrationRequired,

    /// <summary>GetCookie's lastChange differs from GetConfig's LastChange: the client re-reads the config.</summary>
    ConfigChanged,

    /// <summary>The cookie was issued by another server (another server id in the blob).</summary>
    ServerChanged,

    InternalServerError,
}

/// <summary>A typed [MS-WUSP] fault; the endpoint turns it into the soap:Fault shape of <see cref="WsusSoapFault"/>.</summary>
internal sealed class WsusFaultException(WsusErrorCode errorCode, string message) : Exception(message)
{
    public WsusErrorCode ErrorCode { get; } = errorCode;
}
