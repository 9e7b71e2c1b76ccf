namespace CmgSim.Client.TokenAuthentication;

/// <summary>What a token client presents to <c>CCM_STS</c> to get a CCM token.</summary>
/// <param name="Kind">For the step table: "Entra device token", "Entra user token", "bulk registration token", "site client token".</param>
public sealed record ClientCredential(string Kind, string Token);

/// <summary>Where a token client's CCM_STS credential comes from (an Entra tenant, a bulk token handed to ccmsetup, …).</summary>
public interface IClientCredentialProvider
{
    /// <summary>Gets the credential, with the steps it took (e.g. a device token request that fell back to a user token).</summary>
    Task<(ClientCredential? Credential, IReadOnlyList<ClientStepResult> Steps)> GetAsync(CancellationToken cancellationToken);
}

/// <summary>A credential known up front: the bulk registration token of <c>ccmsetup /regtoken</c>.</summary>
public sealed class StaticCredentialProvider(ClientCredential credential) : IClientCredentialProvider
{
    public Task<(ClientCredential? Credential, IReadOnlyList<ClientStepResult> Steps)> GetAsync(CancellationToken cancellationToken) =>
        Task.FromResult<(ClientCredential?, IReadOnlyList<ClientStepResult>)>((credential, []));
}
