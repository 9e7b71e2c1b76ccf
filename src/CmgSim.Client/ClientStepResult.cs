namespace CmgSim.Client;

/// <summary>The outcome of one request of the client flow.</summary>
/// <param name="Step">E.g. <c>MPLIST</c>, <c>SITESIGNCERT</c>, <c>CCM_POST</c>, <c>GetConfig</c>.</param>
/// <param name="Endpoint">The URL requested.</param>
/// <param name="Status">HTTP status, or null when no response came back.</param>
/// <param name="Detail">What was found (on success) or what went wrong (error code, reason, exception).</param>
public sealed record ClientStepResult(string Step, string Endpoint, int? Status, TimeSpan Elapsed, bool Succeeded, string? Detail);
