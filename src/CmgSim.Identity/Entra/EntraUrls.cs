using Microsoft.AspNetCore.Http;

namespace CmgSim.Identity.Entra;

/// <summary>
/// The tenant's public base URL (<c>https://127.0.0.1:PORT/</c>), which issuers and endpoints are built from. The
/// host fixes it once Kestrel has bound; until then (or when not set) it comes from the request, as a host with
/// one name sees it.
/// </summary>
internal sealed class EntraUrls
{
    private string? _baseUrl;

    public string? BaseUrl
    {
        get => Volatile.Read(ref _baseUrl);
        set => Volatile.Write(ref _baseUrl, value is null ? null : value.TrimEnd('/') + "/");
    }

    public string BaseFor(HttpRequest request) => BaseUrl ?? $"{request.Scheme}://{request.Host}/";

    public static string Issuer(string baseUrl, string tenant) => $"{baseUrl}{tenant}/v2.0";

    public static string TokenEndpoint(string baseUrl, string tenant) => $"{baseUrl}{tenant}/oauth2/v2.0/token";

    public static string TenantSegment(Guid tenantId) => tenantId.ToString("D");
}
