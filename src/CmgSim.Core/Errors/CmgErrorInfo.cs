namespace CmgSim.Core.Errors;

/// <summary>Status codes and product error codes of <see cref="CmgError"/>.</summary>
public static class CmgErrorInfo
{
    public const string ClientCertificateRequiredCode = "CMGConnector_Clientcertificaterequired";
    public const string ForbiddenCode = "CMGConnector_Forbidden";
    public const string InvalidTokenCode = "CMGService_Invalid_Token";
    public const string UnauthorizedCode = "CMGConnector_Unauthorized";
    public const string NotFoundCode = "CMGService_NotFound";
    public const string MethodNotAllowedCode = "CMGService_MethodNotAllowed";
    public const string ServiceUnavailableCode = "CMGConnector_ServiceUnavailable";
    public const string BadGatewayCode = "CMGConnector_BadGateway";
    public const string GatewayTimeoutCode = "CMGConnector_GatewayTimeout";
    public const string InternalServerErrorCode = "CMGConnector_InternalServerError";

    /// <summary>The response header that carries the error code on HTTP/2, which has no reason phrase.</summary>
    public const string ErrorCodeHeader = "X-CmgSim-Error";

    public static int StatusCode(this CmgError error) => error switch
    {
        CmgError.ClientCertificateRequired => 403,
        CmgError.Forbidden => 403,
        CmgError.InvalidToken => 401,
        CmgError.Unauthorized => 401,
        CmgError.EndpointNotPublished => 404,
        CmgError.MethodNotAllowed => 405,
        CmgError.NoConnectionPointChannel => 503,
        CmgError.SiteRoleUnreachable => 502,
        CmgError.SiteRoleTimeout => 504,
        CmgError.InternalServerError => 500,
        _ => throw new ArgumentOutOfRangeException(nameof(error), error, null),
    };

    public static string Code(this CmgError error) => error switch
    {
        CmgError.ClientCertificateRequired => ClientCertificateRequiredCode,
        CmgError.Forbidden => ForbiddenCode,
        CmgError.InvalidToken => InvalidTokenCode,
        CmgError.Unauthorized => UnauthorizedCode,
        CmgError.EndpointNotPublished => NotFoundCode,
        CmgError.MethodNotAllowed => MethodNotAllowedCode,
        CmgError.NoConnectionPointChannel => ServiceUnavailableCode,
        CmgError.SiteRoleUnreachable => BadGatewayCode,
        CmgError.SiteRoleTimeout => GatewayTimeoutCode,
        CmgError.InternalServerError => InternalServerErrorCode,
        _ => throw new ArgumentOutOfRangeException(nameof(error), error, null),
    };
}
