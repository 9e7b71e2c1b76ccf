using System.Net.Http.Headers;

namespace CmgSim.Client.TokenAuthentication;

/// <summary>
/// Appends the current CCM token to every request ("Appending CCM Token to the header", client-protocols
/// §5.2) unless the request already carries its own credential (the CCM_STS exchange does).
/// </summary>
internal sealed class BearerTokenHandler : DelegatingHandler
{
    /// <summary>Set once the token source exists (it sends through the same pipeline).</summary>
    public CcmTokenSource? Tokens { get; set; }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Headers.Authorization is null && !(request.Options.TryGetValue(CcmTokenSource.Anonymous, out var anonymous) && anonymous))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await Tokens!.GetCcmTokenAsync(cancellationToken));
        }

        return await base.SendAsync(request, cancellationToken);
    }
}
