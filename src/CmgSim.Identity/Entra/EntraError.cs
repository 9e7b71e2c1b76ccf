using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace CmgSim.Identity.Entra;

/// <summary>
/// An Entra refusal: OAuth error, AADSTS code and message, sent as Entra sends it (description followed by trace id,
/// correlation id and timestamp; <c>error_codes</c>, <c>timestamp</c>, <c>trace_id</c>, <c>correlation_id</c>, <c>error_uri</c>).
/// </summary>
internal sealed record EntraError(int StatusCode, string Error, int Code, string Message)
{
    public const string InvalidRequest = "invalid_request";
    public const string InvalidClient = "invalid_client";
    public const string InvalidGrant = "invalid_grant";
    public const string InvalidScope = "invalid_scope";
    public const string InvalidResource = "invalid_resource";
    public const string UnauthorizedClient = "unauthorized_client";
    public const string UnsupportedGrantType = "unsupported_grant_type";
    public const string InvalidTenant = "invalid_tenant";
    public const string InvalidInstance = "invalid_instance";

    /// <summary><c>AADSTS&lt;code&gt;: &lt;message&gt;</c>, as logged and as the description starts.</summary>
    public string Text => string.Create(CultureInfo.InvariantCulture, $"AADSTS{Code}: {Message}");

    public static EntraError TenantNotFound(string tenant, string error = InvalidRequest) => new(
        StatusCodes.Status400BadRequest, error, 90002,
        $"Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.");

    public static EntraError MissingParameter(string name) => new(
        StatusCodes.Status400BadRequest, InvalidRequest, 900144, $"The request body must contain the following parameter: '{name}'.");

    public static EntraError UnsupportedGrant(string grantType) => new(
        StatusCodes.Status400BadRequest, UnsupportedGrantType, 70003, $"The app requested an unsupported grant type '{grantType}'.");

    public static EntraError NoTenantInformation() => new(
        StatusCodes.Status400BadRequest, InvalidRequest, 50059,
        "No tenant-identifying information found in either the request or implied by any provided credentials.");

    public static EntraError ApplicationNotFound(string? clientId, EntraTenantDefinition tenant) => new(
        StatusCodes.Status400BadRequest, UnauthorizedClient, 700016,
        $"Application with identifier '{clientId}' was not found in the directory '{tenant.DisplayName}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.");

    public static EntraError ResourceNotFound(string resource, EntraTenantDefinition tenant) => new(
        StatusCodes.Status400BadRequest, InvalidResource, 500011,
        $"The resource principal named {resource} was not found in the tenant named {tenant.DisplayName}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.");

    public static EntraError ScopeNotDefault(string scope) => new(
        StatusCodes.Status400BadRequest, InvalidScope, 1002012,
        $"The provided value for scope {scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).");

    public static EntraError ScopeInvalid(string scope) => new(
        StatusCodes.Status400BadRequest, InvalidScope, 70011,
        $"The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid. The scope {scope} is not valid.");

    public static EntraError ScopeSeveralResources(string scope) => new(
        StatusCodes.Status400BadRequest, InvalidScope, 28000,
        $"Provided value for the input parameter scope is not valid because it contains more than one resource. Scope {scope} is not valid.");

    public static EntraError InvalidSecret(Guid appId) => new(
        StatusCodes.Status401Unauthorized, InvalidClient, 7000215,
        $"Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{appId}'.");

    public static EntraError NoClientCredential() => new(
        StatusCodes.Status401Unauthorized, InvalidClient, 7000216,
        "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type.");

    /// <summary>What Entra answers when an app without "Allow public client flows" sends no credential.</summary>
    public static EntraError PublicClientNotAllowed() => new(
        StatusCodes.Status401Unauthorized, InvalidClient, 7000218,
        "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");

    public static EntraError AssertionTypeInvalid(string? type) => new(
        StatusCodes.Status400BadRequest, InvalidRequest, 50027,
        $"JWT token is invalid or malformed. The client_assertion_type '{type}' is not supported; use '{EntraTokenProtocol.JwtBearerAssertionType}'.");

    public static EntraError UserNotFound(EntraTenantDefinition? tenant, string domainOrTenant) => new(
        StatusCodes.Status400BadRequest, InvalidGrant, 50034,
        $"The user account {{EUII Hidden}} does not exist in the {tenant?.TenantId.ToString("D") ?? domainOrTenant} directory. To sign into this application, the account must be added to the directory.");

    public static EntraError InvalidPassword() => new(
        StatusCodes.Status400BadRequest, InvalidGrant, 50126, "Error validating credentials due to invalid username or password.");

    public static EntraError DeviceNotFound(string? deviceId, EntraTenantDefinition? tenant) => new(
        StatusCodes.Status400BadRequest, InvalidGrant, 700003,
        $"Device object was not found in the tenant '{tenant?.DisplayName ?? "common"}' directory. (device id '{deviceId}')");

    public static EntraError DeviceDisabled(Guid deviceId) => new(
        StatusCodes.Status400BadRequest, InvalidGrant, 135011,
        $"Device used during the authentication is disabled. (device id '{deviceId}')");

    public static EntraError UnknownInstance(string? endpoint) => new(
        StatusCodes.Status400BadRequest, InvalidInstance, 50049, $"Unknown or invalid instance. (authorization_endpoint '{endpoint}')");

    /// <summary>Writes the refusal as JSON; <paramref name="correlationId"/> echoes the client's <c>client-request-id</c>.</summary>
    public Task WriteAsync(HttpContext context, string baseUrl, Guid correlationId, DateTimeOffset now)
    {
        var traceId = Guid.NewGuid();
        var timestamp = now.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        var description = string.Create(
            CultureInfo.InvariantCulture, $"{Text}\r\nTrace ID: {traceId:D}\r\nCorrelation ID: {correlationId:D}\r\nTimestamp: {timestamp}");
        return EntraJson.WriteAsync(context, StatusCode, writer =>
        {
            writer.WriteString("error", Error);
            writer.WriteString("error_description", description);
            writer.WriteStartArray("error_codes");
            writer.WriteNumberValue(Code);
            writer.WriteEndArray();
            writer.WriteString("timestamp", timestamp);
            writer.WriteString("trace_id", traceId.ToString("D"));
            writer.WriteString("correlation_id", correlationId.ToString("D"));
            writer.WriteString("error_uri", string.Create(CultureInfo.InvariantCulture, $"{baseUrl}error?code={Code}"));
        });
    }
}

internal static class EntraJson
{
    /// <summary>A JSON object body. Token answers must not be cached (RFC 6749 §5.1); Entra lets discovery documents be cached a day.</summary>
    public static async Task WriteAsync(HttpContext context, int statusCode, Action<Utf8JsonWriter> writeProperties, bool cacheable = false)
    {
        using var buffer = new MemoryStream();
        await using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writeProperties(writer);
            writer.WriteEndObject();
        }

        var response = context.Response;
        response.StatusCode = statusCode;
        response.ContentType = "application/json; charset=utf-8";
        if (cacheable)
        {
            response.Headers.CacheControl = "max-age=86400, private";
        }
        else
        {
            response.Headers.CacheControl = "no-store, no-cache";
            response.Headers.Pragma = "no-cache";
        }

        response.ContentLength = buffer.Length;
        await response.Body.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), context.RequestAborted);
    }

    public static void WriteStringArray(this Utf8JsonWriter writer, string name, IEnumerable<string> values)
    {
        writer.WriteStartArray(name);
        foreach (var value in values)
        {
            writer.WriteStringValue(value);
        }

        writer.WriteEndArray();
    }
}
