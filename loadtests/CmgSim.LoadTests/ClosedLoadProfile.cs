namespace CmgSim.LoadTests;

/// <summary>
/// Closed model: <see cref="Workers"/> loops, each sending its next request when the previous response has been
/// read. Requests count when they start after <see cref="WarmUp"/> and complete within <see cref="Duration"/>.
/// </summary>
internal sealed record ClosedLoadProfile(int Workers, TimeSpan WarmUp, TimeSpan Duration, TimeSpan RequestTimeout, bool Http2)
{
    public Version HttpVersion => Http2 ? System.Net.HttpVersion.Version20 : System.Net.HttpVersion.Version11;
}
