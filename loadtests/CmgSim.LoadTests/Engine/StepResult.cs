namespace CmgSim.LoadTests.Engine;

/// <summary>
/// What one step did. <see cref="ErrorCode"/> is counted whenever it is set (for CMG responses, the
/// <c>X-CmgSim-Error</c> code; for exceptions, the exception type); <see cref="StatusCode"/> 0 means "no status".
/// </summary>
internal readonly record struct StepResult(bool IsOk, int StatusCode, long SizeBytes, string? ErrorCode, string? Message)
{
    public static StepResult Ok(int statusCode = 0, long sizeBytes = 0) => new(true, statusCode, sizeBytes, null, null);

    public static StepResult Fail(int statusCode = 0, string? errorCode = null, string? message = null, long sizeBytes = 0) =>
        new(false, statusCode, sizeBytes, errorCode, message);

    /// <summary>A step that threw: a failure whose error code is the exception's type name.</summary>
    public static StepResult FromException(Exception exception) =>
        new(false, 0, 0, exception.GetType().Name, exception.Message);
}
