namespace CmgSim.LoadTests;

/// <summary>What one target did during the measured window.</summary>
internal sealed record TargetResult(
    string Name,
    Uri Url,
    TimeSpan Measured,
    long Requests,
    double RequestsPerSecond,
    LatencySummary Latency,
    long Status2xx,
    long Status4xx,
    long Status5xx,
    long StatusOther,
    long TransportErrors,
    long ResponseBytes,
    IReadOnlyDictionary<int, long> StatusCodes,
    IReadOnlyDictionary<string, long> ErrorKinds,
    IReadOnlyDictionary<string, long> CmgSimErrors,
    IReadOnlyDictionary<string, long> HttpVersions,
    long CutAtEnd);
