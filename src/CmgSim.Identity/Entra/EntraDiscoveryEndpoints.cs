using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Tokens;

namespace CmgSim.Identity.Entra;

/// <summary>
/// The metadata endpoints in Entra's URL shapes: OpenID configuration, JWKS, instance discovery (for MSAL left with
/// instance discovery on) and user realm discovery (MSAL's first step of the password flow).
/// </summary>
internal sealed class EntraDiscoveryEndpoints(
    EntraDirectory directory,
    EntraSigningKeys keys,
    EntraUrls urls,
    TimeProvider timeProvider,
    ILogger<EntraDiscoveryEndpoints> logger)
{
    // What Entra prints for /common and /organizations: the tenant is only known from the token.
    private const string TenantPlaceholder = "{tenantid}";

    /// <summary><c>GET /{tenant}/v2.0/.well-known/openid-configuration</c>.</summary>
    public Task OpenIdConfigurationAsync(HttpContext context, string tenant)
    {
        var baseUrl = urls.BaseFor(context.Request);
        if (!TryResolve(tenant, out var segment, out var issuerTenant))
        {
            return RefuseAsync(context, baseUrl, EntraError.TenantNotFound(tenant, EntraError.InvalidTenant));
        }

        var root = baseUrl + segment;
        var host = new Uri(baseUrl).Host;
        return EntraJson.WriteAsync(context, StatusCodes.Status200OK, writer =>
        {
            writer.WriteString("token_endpoint", $"{root}/oauth2/v2.0/token");
            writer.WriteStringArray("token_endpoint_auth_methods_supported", ["client_secret_post", "private_key_jwt", "client_secret_basic"]);
            writer.WriteString("jwks_uri", $"{root}/discovery/v2.0/keys");
            writer.WriteStringArray("response_modes_supported", ["query", "fragment", "form_post"]);
            writer.WriteStringArray("subject_types_supported", ["pairwise"]);
            writer.WriteStringArray("id_token_signing_alg_values_supported", ["RS256"]);
            writer.WriteStringArray("response_types_supported", ["code", "id_token", "code id_token", "id_token token"]);
            writer.WriteStringArray("scopes_supported", ["openid", "profile", "email", "offline_access"]);
            writer.WriteString("issuer", EntraUrls.Issuer(baseUrl, issuerTenant));
            writer.WriteBoolean("request_uri_parameter_supported", false);
            writer.WriteString("authorization_endpoint", $"{root}/oauth2/v2.0/authorize");
            writer.WriteString("device_authorization_endpoint", $"{root}/oauth2/v2.0/devicecode");
            writer.WriteBoolean("http_logout_supported", true);
            writer.WriteBoolean("frontchannel_logout_supported", true);
            writer.WriteString("end_session_endpoint", $"{root}/oauth2/v2.0/logout");
            writer.WriteStringArray("claims_supported",
            [
                "sub", "iss", "cloud_instance_name", "cloud_instance_host_name", "cloud_graph_host_name", "msgraph_host", "aud", "exp", "iat",
                "auth_time", "acr", "nonce", "preferred_username", "name", "tid", "ver", "at_hash", "c_hash", "email",
            ]);
            writer.WriteString("kerberos_endpoint", $"{root}/kerberos");
            if (issuerTenant == TenantPlaceholder)
            {
                writer.WriteNull("tenant_region_scope");
            }
            else
            {
                writer.WriteString("tenant_region_scope", "NA");
            }

            writer.WriteString("cloud_instance_name", host);
            writer.WriteString("cloud_graph_host_name", "graph.windows.net");
            writer.WriteString("msgraph_host", "graph.microsoft.com");
            writer.WriteString("rbac_url", "https://pas.windows.net");
        }, cacheable: true);
    }

    /// <summary><c>GET /{tenant}/discovery/v2.0/keys</c>: both signing keys, the active one first, with <c>x5c</c> as Entra publishes them.</summary>
    public Task KeysAsync(HttpContext context, string tenant)
    {
        var baseUrl = urls.BaseFor(context.Request);
        if (!TryResolve(tenant, out _, out var issuerTenant))
        {
            return RefuseAsync(context, baseUrl, EntraError.TenantNotFound(tenant, EntraError.InvalidTenant));
        }

        var active = keys.Active;
        var ordered = keys.Keys.OrderByDescending(k => ReferenceEquals(k, active)).ToList();
        var issuer = EntraUrls.Issuer(baseUrl, issuerTenant);
        var host = new Uri(baseUrl).Host;
        return EntraJson.WriteAsync(context, StatusCodes.Status200OK, writer =>
        {
            writer.WriteStartArray("keys");
            foreach (var key in ordered)
            {
                using var rsa = key.Certificate.GetRSAPublicKey()!;
                var parameters = rsa.ExportParameters(false);
                writer.WriteStartObject();
                writer.WriteString("kty", "RSA");
                writer.WriteString("use", "sig");
                writer.WriteString("kid", key.KeyId);
                writer.WriteString("x5t", key.X5t);
                writer.WriteString("n", Base64UrlEncoder.Encode(parameters.Modulus!));
                writer.WriteString("e", Base64UrlEncoder.Encode(parameters.Exponent!));
                writer.WriteStringArray("x5c", [Convert.ToBase64String(key.Certificate.RawData)]);
                writer.WriteString("cloud_instance_name", host);
                writer.WriteString("issuer", issuer);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }, cacheable: true);
    }

    /// <summary>
    /// <c>GET /common/discovery/instance?api-version=1.1&amp;authorization_endpoint=…</c>: this host is its own cloud,
    /// with no aliases. Another host gets Entra's invalid_instance.
    /// </summary>
    public Task InstanceDiscoveryAsync(HttpContext context)
    {
        var baseUrl = urls.BaseFor(context.Request);
        var ourHost = new Uri(baseUrl).Host;
        var endpoint = context.Request.Query["authorization_endpoint"].ToString();
        var tenant = "common";
        if (!string.IsNullOrEmpty(endpoint))
        {
            if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || !uri.Host.Equals(ourHost, StringComparison.OrdinalIgnoreCase))
            {
                return RefuseAsync(context, baseUrl, EntraError.UnknownInstance(endpoint));
            }

            var first = uri.Segments.Length > 1 ? uri.Segments[1].TrimEnd('/') : "";
            tenant = first.Length > 0 ? first : tenant;
        }

        return EntraJson.WriteAsync(context, StatusCodes.Status200OK, writer =>
        {
            writer.WriteString("tenant_discovery_endpoint", $"{baseUrl}{tenant}/v2.0/.well-known/openid-configuration");
            writer.WriteString("api-version", "1.1");
            writer.WriteStartArray("metadata");
            writer.WriteStartObject();

            // MSAL matches environments by host name (no port) and keeps the port when it swaps hosts.
            writer.WriteString("preferred_network", ourHost);
            writer.WriteString("preferred_cache", ourHost);
            writer.WriteStringArray("aliases", [ourHost]);
            writer.WriteEndObject();
            writer.WriteEndArray();
        }, cacheable: true);
    }

    /// <summary><c>GET /common/userrealm/{username}?api-version=1.0</c>: every lab domain is managed (cloud passwords, no federation).</summary>
    public Task UserRealmAsync(HttpContext context, string username)
    {
        var host = new Uri(urls.BaseFor(context.Request)).Host;
        var tenant = directory.FindTenantOfUser(username);
        return EntraJson.WriteAsync(context, StatusCodes.Status200OK, writer =>
        {
            writer.WriteString("ver", "1.0");
            writer.WriteString("account_type", tenant is null ? "Unknown" : "Managed");
            if (tenant is not null)
            {
                writer.WriteString("domain_name", tenant.VerifiedDomain);
            }

            writer.WriteString("cloud_instance_name", host);
            writer.WriteString("cloud_audience_urn", "urn:federation:MicrosoftOnline");
        });
    }

    /// <summary>A tenant segment: GUID or verified domain, or <c>common</c>/<c>organizations</c> (issuer with a placeholder).</summary>
    private bool TryResolve(string tenant, out string segment, out string issuerTenant)
    {
        if (tenant.Equals("common", StringComparison.OrdinalIgnoreCase) || tenant.Equals("organizations", StringComparison.OrdinalIgnoreCase))
        {
            segment = tenant.ToLowerInvariant();
            issuerTenant = TenantPlaceholder;
            return true;
        }

        var found = directory.FindTenant(tenant);
        segment = issuerTenant = found is null ? "" : EntraUrls.TenantSegment(found.TenantId);
        return found is not null;
    }

    private Task RefuseAsync(HttpContext context, string baseUrl, EntraError error)
    {
        EntraLog.DiscoveryRefused(logger, context.Request.Path, error.StatusCode, error.Error, error.Text);
        var correlationId = Guid.TryParse(context.Request.Headers["client-request-id"], out var requested) ? requested : Guid.NewGuid();
        return error.WriteAsync(context, baseUrl, correlationId, timeProvider.GetUtcNow());
    }
}
