namespace CmgSim.Identity.Entra;

/// <summary>Names on the wire of the local Entra token endpoint, shared by the tenant and its clients.</summary>
public static class EntraTokenProtocol
{
    /// <summary>
    /// Stands for the token Windows gets from WAM with the device's primary refresh token: here the device proves
    /// possession of its WPJ key with <see cref="DeviceAssertionParameter"/> instead. [DERIVED]
    /// </summary>
    public const string DeviceGrantType = "urn:cmgsim:params:oauth:grant-type:device";

    public const string ClientCredentialsGrantType = "client_credentials";
    public const string PasswordGrantType = "password";
    public const string JwtBearerAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

    public const string DeviceIdParameter = "device_id";

    /// <summary>A JWT signed RS256 with the WPJ key: header <c>x5t</c>; claims <c>iss</c> = <c>sub</c> = device id, <c>aud</c> = token endpoint, <c>nbf</c>, <c>exp</c>, <c>jti</c>.</summary>
    public const string DeviceAssertionParameter = "device_assertion";

    /// <summary>The <c>idtyp</c> claim: what kind of principal a token stands for.</summary>
    public const string IdTypeApp = "app";
    public const string IdTypeDevice = "device";
    public const string IdTypeUser = "user";

    /// <summary>The device id claim of device tokens and device-bound user tokens.</summary>
    public const string DeviceIdClaim = "deviceid";

    /// <summary>The scope asking for every permission configured on a resource: <c>&lt;resource&gt;/.default</c>.</summary>
    public static string DefaultScopeFor(string resource)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(resource);
        return resource.TrimEnd('/') + "/.default";
    }
}
