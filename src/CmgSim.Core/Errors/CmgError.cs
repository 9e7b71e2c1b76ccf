namespace CmgSim.Core.Errors;

/// <summary>
/// The errors a CMG hop answers with. Each maps to an HTTP status and the product's error code,
/// which the product sends as the HTTP status description (reason phrase).
/// </summary>
public enum CmgError
{
    /// <summary>403: no usable client certificate on a MutualAuth path (cmg-facts §8.5).</summary>
    ClientCertificateRequired,

    /// <summary>403: the request is refused for a reason other than the client certificate.</summary>
    Forbidden,

    /// <summary>401: an invalid, expired or blocked token (cmg-facts §8.5).</summary>
    InvalidToken,

    /// <summary>401: the connection point or MP refused the caller.</summary>
    Unauthorized,

    /// <summary>404: the URL is not in the published URL list (unknown endpoint id or path).</summary>
    EndpointNotPublished,

    /// <summary>405: a verb the CMG does not let through. [DERIVED]</summary>
    MethodNotAllowed,

    /// <summary>503: this VM instance holds no live channel to a connection point of the target site. [DERIVED]</summary>
    NoConnectionPointChannel,

    /// <summary>502: the connection point could not reach the MP or SUP. [DERIVED]</summary>
    SiteRoleUnreachable,

    /// <summary>504: the MP or SUP did not answer in time. [DERIVED]</summary>
    SiteRoleTimeout,

    /// <summary>500: an internal failure in a CMG component.</summary>
    InternalServerError,
}
