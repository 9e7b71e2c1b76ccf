using CmgSim.Identity.Tokens;

namespace CmgSim.ConnectionPoint.Forwarding;

/// <summary>
/// The connection point validates the bearer token of ServerAuth requests again before they reach the
/// site (the CMG, the connection point and the MP all validate, cmg-facts §2.3). Without a validator it
/// trusts the cloud service's decision.
/// </summary>
internal sealed class ConnectionPointTokenCheck(BearerTokenValidator? validator)
{
    public bool IsEnabled => validator is not null;

    public ValueTask<BearerTokenValidationResult> ValidateAsync(string? authorization, CancellationToken cancellationToken) =>
        validator!.ValidateAuthorizationAsync(authorization, cancellationToken);
}
