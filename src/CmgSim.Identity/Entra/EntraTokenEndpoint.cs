using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;
using Microsoft.IdentityModel.Tokens;

namespace CmgSim.Identity.Entra;

/// <summary>
/// <c>POST /{tenant}/oauth2/v2.0/token</c>: client credentials (secret or certificate assertion), the device grant
/// (WPJ key proof) and the password grant (optionally bound to a device, ConfigMgr's "UDA" token).
/// </summary>
internal sealed class EntraTokenEndpoint(
    EntraDirectory directory,
    EntraTokenMinter minter,
    EntraAssertionValidator assertions,
    EntraUrls urls,
    TimeProvider timeProvider,
    ILogger<EntraTokenEndpoint> logger)
{
    private const string UserImpersonation = "user_impersonation";

    private static readonly HashSet<string> OidcScopes = new(StringComparer.OrdinalIgnoreCase) { "openid", "profile", "offline_access", "email" };

    public async Task HandleAsync(HttpContext context, string tenantSegment)
    {
        var correlationId = Guid.TryParse(context.Request.Headers["client-request-id"], out var requested) ? requested : Guid.NewGuid();
        context.Response.Headers["client-request-id"] = correlationId.ToString("D");
        var baseUrl = urls.BaseFor(context.Request);

        TokenRequest? request = null;
        Outcome outcome;
        if (!context.Request.HasFormContentType)
        {
            outcome = EntraError.MissingParameter("grant_type");
        }
        else
        {
            var form = await context.Request.ReadFormAsync(context.RequestAborted);
            request = new TokenRequest(form, context.Request.Headers.Authorization, tenantSegment, baseUrl);
            outcome = await ProcessAsync(request);
        }

        var now = timeProvider.GetUtcNow();
        if (outcome.Error is { } error)
        {
            EntraLog.TokenRefused(
                logger, request?.GrantType ?? "(none)", request?.ClientId ?? "(none)", tenantSegment, error.StatusCode, error.Error, error.Text);
            await error.WriteAsync(context, baseUrl, correlationId, now);
            return;
        }

        var issued = outcome.Token!;
        EntraLog.TokenIssued(logger, issued.Kind, issued.Resource, issued.Subject, issued.ClientId, issued.TenantId, issued.KeyId, issued.Expires);
        var seconds = (long)issued.Lifetime.TotalSeconds;
        await EntraJson.WriteAsync(context, StatusCodes.Status200OK, writer =>
        {
            writer.WriteString("token_type", "Bearer");
            if (issued.Scope is not null)
            {
                writer.WriteString("scope", issued.Scope);
            }

            writer.WriteNumber("expires_in", seconds);
            writer.WriteNumber("ext_expires_in", seconds);
            writer.WriteString("access_token", issued.AccessToken);
            if (issued.IdToken is not null)
            {
                writer.WriteString("id_token", issued.IdToken);
            }

            if (issued.ClientInfo is not null)
            {
                writer.WriteString("client_info", issued.ClientInfo);
            }
        });
    }

    private Task<Outcome> ProcessAsync(TokenRequest request)
    {
        EntraTenantDefinition? tenant = null;
        if (!IsCommon(request.TenantSegment))
        {
            tenant = directory.FindTenant(request.TenantSegment);
            if (tenant is null)
            {
                return Task.FromResult<Outcome>(EntraError.TenantNotFound(request.TenantSegment));
            }
        }

        return request.GrantType switch
        {
            null => Task.FromResult<Outcome>(EntraError.MissingParameter("grant_type")),
            EntraTokenProtocol.ClientCredentialsGrantType => ClientCredentialsAsync(request, tenant),
            EntraTokenProtocol.DeviceGrantType => DeviceAsync(request, tenant),
            EntraTokenProtocol.PasswordGrantType => PasswordAsync(request, tenant),
            _ => Task.FromResult<Outcome>(EntraError.UnsupportedGrant(request.GrantType)),
        };
    }

    private async Task<Outcome> ClientCredentialsAsync(TokenRequest request, EntraTenantDefinition? tenant)
    {
        // An app token names no user or device, so /common cannot tell which tenant is meant.
        if (tenant is null)
        {
            return EntraError.NoTenantInformation();
        }

        if (request.ClientId is null)
        {
            return EntraError.MissingParameter("client_id");
        }

        var app = EntraDirectory.FindApplication(tenant, request.ClientId);
        if (app is null)
        {
            return EntraError.ApplicationNotFound(request.ClientId, tenant);
        }

        var (authError, azpacr) = await AuthenticateClientAsync(request, app, tenant);
        if (authError is not null)
        {
            return authError;
        }

        var scope = request.Get("scope");
        if (scope is null)
        {
            return EntraError.MissingParameter("scope");
        }

        var (resourceApp, _, scopeError) = ResolveResource(tenant, scope, requireDefault: true);
        if (scopeError is not null)
        {
            return scopeError;
        }

        var claims = new Dictionary<string, object>
        {
            ["azp"] = app.AppId.ToString("D"),
            ["appid"] = app.AppId.ToString("D"),
            ["azpacr"] = azpacr,
            ["idtyp"] = EntraTokenProtocol.IdTypeApp,
            ["oid"] = app.ObjectId.ToString("D"),
            ["sub"] = app.ObjectId.ToString("D"),
        };
        if (app.AppRoles.Count > 0)
        {
            claims["roles"] = app.AppRoles.ToArray();
        }

        return Issue(request, tenant, resourceApp!, app, EntraTokenProtocol.IdTypeApp, app.DisplayName, claims, scope: null, user: null);
    }

    private async Task<Outcome> DeviceAsync(TokenRequest request, EntraTenantDefinition? tenant)
    {
        var deviceIdText = request.Get(EntraTokenProtocol.DeviceIdParameter);
        if (deviceIdText is null)
        {
            return EntraError.MissingParameter(EntraTokenProtocol.DeviceIdParameter);
        }

        tenant ??= Guid.TryParse(deviceIdText, out var deviceId) ? directory.FindTenantOfDevice(deviceId) : null;
        if (tenant is null)
        {
            return EntraError.DeviceNotFound(deviceIdText, null);
        }

        var (app, resourceApp, scope, error) = CheckPublicClient(request, tenant);
        if (error is not null)
        {
            return error;
        }

        var (device, deviceError) = await AuthenticateDeviceAsync(request, tenant, deviceIdText);
        if (deviceError is not null)
        {
            return deviceError;
        }

        var claims = new Dictionary<string, object>
        {
            ["azp"] = app!.AppId.ToString("D"),
            ["appid"] = app.AppId.ToString("D"),
            ["azpacr"] = "0",
            ["idtyp"] = EntraTokenProtocol.IdTypeDevice,
            ["oid"] = device!.DeviceId.ToString("D"),
            ["sub"] = device.DeviceId.ToString("D"),
            [EntraTokenProtocol.DeviceIdClaim] = device.DeviceId.ToString("D"),
        };
        return Issue(request, tenant, resourceApp!, app, EntraTokenProtocol.IdTypeDevice, $"{device.DisplayName} ({device.DeviceId})", claims, scope, user: null);
    }

    private async Task<Outcome> PasswordAsync(TokenRequest request, EntraTenantDefinition? tenant)
    {
        var username = request.Get("username");
        var password = request.Get("password");
        if (username is null || password is null)
        {
            return EntraError.MissingParameter(username is null ? "username" : "password");
        }

        tenant ??= directory.FindTenantOfUser(username);
        if (tenant is null)
        {
            return EntraError.UserNotFound(null, request.TenantSegment);
        }

        var (app, resourceApp, scope, error) = CheckPublicClient(request, tenant);
        if (error is not null)
        {
            return error;
        }

        var user = EntraDirectory.FindUser(tenant, username);
        if (user is null)
        {
            return EntraError.UserNotFound(tenant, request.TenantSegment);
        }

        if (!FixedTimeEquals(user.Password, password))
        {
            return EntraError.InvalidPassword();
        }

        var claims = new Dictionary<string, object>
        {
            ["azp"] = app!.AppId.ToString("D"),
            ["appid"] = app.AppId.ToString("D"),
            ["azpacr"] = "0",
            ["amr"] = new[] { "pwd" },
            ["idtyp"] = EntraTokenProtocol.IdTypeUser,
            ["name"] = DisplayNameOf(user),
            ["oid"] = user.ObjectId.ToString("D"),
            ["scp"] = UserImpersonation,
            ["sub"] = user.ObjectId.ToString("D"),
            ["unique_name"] = user.UserPrincipalName,
            ["upn"] = user.UserPrincipalName,
        };
        if (user.OnPremisesSid is not null)
        {
            claims["onprem_sid"] = user.OnPremisesSid;
        }

        var subject = user.UserPrincipalName;

        // A device id and proof in the same request bind the user token to the device (ConfigMgr's "UDA" token).
        var deviceIdText = request.Get(EntraTokenProtocol.DeviceIdParameter);
        if (deviceIdText is not null || request.Get(EntraTokenProtocol.DeviceAssertionParameter) is not null)
        {
            if (deviceIdText is null)
            {
                return EntraError.MissingParameter(EntraTokenProtocol.DeviceIdParameter);
            }

            var (device, deviceError) = await AuthenticateDeviceAsync(request, tenant, deviceIdText, requireEnabled: false);
            if (deviceError is not null)
            {
                return deviceError;
            }

            claims[EntraTokenProtocol.DeviceIdClaim] = device!.DeviceId.ToString("D");
            subject = $"{user.UserPrincipalName} on {device.DisplayName}";
        }

        return Issue(request, tenant, resourceApp!, app, EntraTokenProtocol.IdTypeUser, subject, claims, scope, user);
    }

    /// <summary>The device and password grants: a client app with "Allow public client flows", and one resource in the scope.</summary>
    private static (EntraAppRegistration? App, EntraAppRegistration? Resource, string? Scope, EntraError? Error) CheckPublicClient(
        TokenRequest request, EntraTenantDefinition tenant)
    {
        if (request.ClientId is null)
        {
            return (null, null, null, EntraError.MissingParameter("client_id"));
        }

        var app = EntraDirectory.FindApplication(tenant, request.ClientId);
        if (app is null)
        {
            return (null, null, null, EntraError.ApplicationNotFound(request.ClientId, tenant));
        }

        if (!app.AllowPublicClientFlows)
        {
            return (app, null, null, EntraError.PublicClientNotAllowed());
        }

        var scope = request.Get("scope");
        if (scope is null)
        {
            return (app, null, null, EntraError.MissingParameter("scope"));
        }

        var (resource, resourceScope, error) = ResolveResource(tenant, scope, requireDefault: false);
        return (app, resource, resourceScope, error);
    }

    private async Task<(EntraError? Error, string Azpacr)> AuthenticateClientAsync(TokenRequest request, EntraAppRegistration app, EntraTenantDefinition tenant)
    {
        var assertionType = request.Get("client_assertion_type");
        var assertion = request.Get("client_assertion");
        if (assertionType is not null || assertion is not null)
        {
            if (!string.Equals(assertionType, EntraTokenProtocol.JwtBearerAssertionType, StringComparison.Ordinal))
            {
                return (EntraError.AssertionTypeInvalid(assertionType), "");
            }

            if (assertion is null)
            {
                return (EntraError.MissingParameter("client_assertion"), "");
            }

            // azpacr 2: the client proved a certificate key.
            return (await assertions.ValidateClientAssertionAsync(assertion, app, AssertionAudiences(request, tenant)), "2");
        }

        if (request.ClientSecret is { } secret)
        {
            return app.ClientSecrets.Any(s => FixedTimeEquals(s, secret)) ? (null, "1") : (EntraError.InvalidSecret(app.AppId), "");
        }

        return (EntraError.NoClientCredential(), "");
    }

    /// <param name="requireEnabled">
    /// The device grant needs an enabled device account. A user token only names the device the user signed in on,
    /// proved by its key, so a disabled device — which gets no device token any more — still yields the user's
    /// token bound to it: the fallback ConfigMgr takes when the device token fails [DERIVED].
    /// </param>
    private async Task<(EntraDevice? Device, EntraError? Error)> AuthenticateDeviceAsync(TokenRequest request, EntraTenantDefinition tenant, string deviceIdText, bool requireEnabled = true)
    {
        var device = Guid.TryParse(deviceIdText, out var deviceId) ? EntraDirectory.FindDevice(tenant, deviceId) : null;
        if (device is null)
        {
            return (null, EntraError.DeviceNotFound(deviceIdText, tenant));
        }

        var assertion = request.Get(EntraTokenProtocol.DeviceAssertionParameter);
        if (assertion is null)
        {
            return (null, EntraError.MissingParameter(EntraTokenProtocol.DeviceAssertionParameter));
        }

        var error = await assertions.ValidateDeviceAssertionAsync(
            assertion, device, directory.DevicePublicCertificate(device.DeviceId), AssertionAudiences(request, tenant));
        if (error is not null)
        {
            return (null, error);
        }

        // Checked after the proof, as Entra authenticates the device before it looks at its state.
        return device.AccountEnabled || !requireEnabled ? (device, null) : (null, EntraError.DeviceDisabled(device.DeviceId));
    }

    /// <summary>
    /// The one resource the scope asks for (<c>&lt;App ID URI or app id&gt;/.default</c> or <c>/&lt;permission&gt;</c>),
    /// ignoring the OpenID scopes MSAL adds for user flows.
    /// </summary>
    private static (EntraAppRegistration? Resource, string? ResourceScope, EntraError? Error) ResolveResource(
        EntraTenantDefinition tenant, string scope, bool requireDefault)
    {
        var resourceScopes = scope.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(static s => !OidcScopes.Contains(s))
            .ToList();
        if (resourceScopes.Count == 0)
        {
            return (null, null, EntraError.ScopeInvalid(scope));
        }

        var resources = new List<string>();
        foreach (var item in resourceScopes)
        {
            var slash = item.LastIndexOf('/');
            if (slash <= 0 || slash == item.Length - 1)
            {
                return (null, null, EntraError.ScopeInvalid(item));
            }

            if (requireDefault && !item.EndsWith("/.default", StringComparison.OrdinalIgnoreCase))
            {
                return (null, null, EntraError.ScopeNotDefault(item));
            }

            resources.Add(item[..slash]);
        }

        if (resources.Distinct(StringComparer.OrdinalIgnoreCase).Count() > 1)
        {
            return (null, null, EntraError.ScopeSeveralResources(scope));
        }

        var resource = EntraDirectory.FindResource(tenant, resources[0]);
        return resource is null
            ? (null, null, EntraError.ResourceNotFound(resources[0], tenant))
            : (resource, string.Join(' ', resourceScopes), null);
    }

    private Outcome Issue(
        TokenRequest request, EntraTenantDefinition tenant, EntraAppRegistration resource, EntraAppRegistration client,
        string kind, string subject, Dictionary<string, object> claims, string? scope, EntraUser? user)
    {
        var tid = tenant.TenantId.ToString("D");
        var issuer = EntraUrls.Issuer(request.BaseUrl, tid);
        var now = timeProvider.GetUtcNow();
        var lifetime = directory.Options.AccessTokenLifetime;
        claims["tid"] = tid;
        claims["uti"] = EntraTokenMinter.NewUti();
        claims["ver"] = "2.0";

        // The resource's App ID URI is the audience, as ConfigMgr validates it (AADRESOURCEURI).
        var audience = resource.AppIdUri ?? resource.AppId.ToString("D");
        var (accessToken, keyId) = minter.Mint(issuer, audience, claims, now, lifetime);

        string? idToken = null;
        string? clientInfo = null;
        if (user is not null)
        {
            // MSAL builds its account from client_info (uid.utid) and the id token.
            clientInfo = Base64UrlEncoder.Encode(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string>
            {
                ["uid"] = user.ObjectId.ToString("D"),
                ["utid"] = tid,
            }));
            if (request.Get("scope")?.Split(' ').Contains("openid", StringComparer.OrdinalIgnoreCase) == true)
            {
                idToken = minter.Mint(issuer, client.AppId.ToString("D"), new Dictionary<string, object>
                {
                    ["name"] = DisplayNameOf(user),
                    ["oid"] = user.ObjectId.ToString("D"),
                    ["preferred_username"] = user.UserPrincipalName,
                    ["sub"] = user.ObjectId.ToString("D"),
                    ["tid"] = tid,
                    ["ver"] = "2.0",
                }, now, lifetime).Token;
            }
        }

        return new Issued(kind, subject, audience, client.AppId.ToString("D"), tenant.TenantId, accessToken, keyId, now + lifetime, lifetime, scope, idToken, clientInfo);
    }

    /// <summary>Audiences a client or device assertion may carry: this tenant's token endpoint by id, by domain or as requested.</summary>
    private static string[] AssertionAudiences(TokenRequest request, EntraTenantDefinition tenant)
    {
        var tid = tenant.TenantId.ToString("D");
        return
        [
            EntraUrls.TokenEndpoint(request.BaseUrl, tid),
            EntraUrls.TokenEndpoint(request.BaseUrl, request.TenantSegment),
            EntraUrls.TokenEndpoint(request.BaseUrl, tenant.VerifiedDomain),
            $"{request.BaseUrl}{tid}/oauth2/token",
        ];
    }

    private static bool IsCommon(string segment) =>
        segment.Equals("common", StringComparison.OrdinalIgnoreCase) || segment.Equals("organizations", StringComparison.OrdinalIgnoreCase);

    private static string DisplayNameOf(EntraUser user) =>
        user.DisplayName ?? user.UserPrincipalName[..Math.Max(0, user.UserPrincipalName.IndexOf('@'))];

    private static bool FixedTimeEquals(string expected, string actual) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(expected), Encoding.UTF8.GetBytes(actual));

    private sealed class TokenRequest
    {
        private readonly IFormCollection _form;

        public TokenRequest(IFormCollection form, StringValues authorization, string tenantSegment, string baseUrl)
        {
            _form = form;
            TenantSegment = tenantSegment;
            BaseUrl = baseUrl;
            GrantType = Get("grant_type");
            ClientId = Get("client_id");
            ClientSecret = Get("client_secret");

            // client_secret_basic: Basic base64(urlencode(client_id):urlencode(client_secret)), RFC 6749 §2.3.1.
            var header = authorization.ToString();
            if (header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase) && TryDecodeBasic(header["Basic ".Length..], out var id, out var secret))
            {
                ClientId ??= id;
                ClientSecret ??= secret;
            }
        }

        public string TenantSegment { get; }

        public string BaseUrl { get; }

        public string? GrantType { get; }

        public string? ClientId { get; }

        public string? ClientSecret { get; }

        public string? Get(string name) =>
            _form.TryGetValue(name, out var value) && !StringValues.IsNullOrEmpty(value) ? value.ToString() : null;

        private static bool TryDecodeBasic(string encoded, out string id, out string secret)
        {
            id = secret = "";
            try
            {
                var text = Encoding.UTF8.GetString(Convert.FromBase64String(encoded.Trim()));
                var colon = text.IndexOf(':');
                if (colon <= 0)
                {
                    return false;
                }

                id = Uri.UnescapeDataString(text[..colon].Replace('+', ' '));
                secret = Uri.UnescapeDataString(text[(colon + 1)..].Replace('+', ' '));
                return true;
            }
            catch (FormatException)
            {
                return false;
            }
        }
    }

    private sealed record Issued(
        string Kind, string Subject, string Resource, string ClientId, Guid TenantId, string AccessToken, string KeyId,
        DateTimeOffset Expires, TimeSpan Lifetime, string? Scope, string? IdToken, string? ClientInfo);

    private sealed class Outcome
    {
        private Outcome(Issued? token, EntraError? error)
        {
            Token = token;
            Error = error;
        }

        public Issued? Token { get; }

        public EntraError? Error { get; }

        public static implicit operator Outcome(Issued token) => new(token, null);

        public static implicit operator Outcome(EntraError error) => new(null, error);
    }
}
