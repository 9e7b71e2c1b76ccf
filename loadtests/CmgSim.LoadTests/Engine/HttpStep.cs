using System.Buffers;
using CmgSim.Core.Errors;

namespace CmgSim.LoadTests.Engine;

/// <summary>
/// Helpers for HTTP steps: send, read the body to the last byte, and map the outcome to a <see cref="StepResult"/>
/// with the status code and the CMG error code from <c>X-CmgSim-Error</c>.
/// </summary>
internal static class HttpStep
{
    /// <summary>
    /// Sends <paramref name="request"/> and drains the response. 2xx and 3xx are OK unless <paramref name="isOk"/> says
    /// otherwise; other statuses fail with the <c>X-CmgSim-Error</c> code (or <c>HTTP nnn</c>). Transport errors fail with
    /// their kind (<see cref="ErrorKind"/>); a <paramref name="timeout"/> fails with <c>timeout</c>. Cancellation of
    /// <paramref name="runToken"/> (the scenario's token) propagates so the engine counts the invocation as interrupted.
    /// The request is disposed when done.
    /// </summary>
    public static async ValueTask<StepResult> SendAsync(
        HttpMessageInvoker invoker,
        HttpRequestMessage request,
        CancellationToken runToken,
        TimeSpan? timeout = null,
        Func<HttpResponseMessage, bool>? isOk = null)
    {
        ArgumentNullException.ThrowIfNull(invoker);
        ArgumentNullException.ThrowIfNull(request);
        using var ownedRequest = request;
        using var timeoutSource = timeout is { } t ? CancellationTokenSource.CreateLinkedTokenSource(runToken) : null;
        timeoutSource?.CancelAfter(timeout!.Value);
        var token = timeoutSource?.Token ?? runToken;
        try
        {
            using var response = await invoker.SendAsync(request, token);
            var bytes = await DrainAsync(response, token);
            return FromResponse(response, bytes, isOk?.Invoke(response));
        }
        catch (OperationCanceledException) when (runToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException)
        {
            return StepResult.Fail(errorCode: ErrorKind(ex), message: ex.Message);
        }
    }

    /// <summary>Maps a response already read: the status code, the body size, and any <c>X-CmgSim-Error</c> code (counted even on OK results).</summary>
    public static StepResult FromResponse(HttpResponseMessage response, long bodyBytes, bool? ok = null)
    {
        ArgumentNullException.ThrowIfNull(response);
        var status = (int)response.StatusCode;
        var cmgError = response.Headers.TryGetValues(CmgErrorInfo.ErrorCodeHeader, out var values) ? values.FirstOrDefault() : null;
        var isOk = ok ?? status is >= 200 and < 400;
        return isOk
            ? new StepResult(true, status, bodyBytes, cmgError, null)
            : StepResult.Fail(status, cmgError ?? $"HTTP {status}", response.ReasonPhrase, bodyBytes);
    }

    /// <summary>Reads the body to the end (latency is to the last byte) and returns its length.</summary>
    public static async Task<long> DrainAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(response);
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            await using (body)
            {
                long total = 0;
                int read;
                while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    total += read;
                }

                return total;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>A short name for a transport failure: <c>timeout</c>, the <see cref="HttpRequestError"/>, or the exception type.</summary>
    public static string ErrorKind(Exception exception) => exception switch
    {
        OperationCanceledException => "timeout",
        HttpRequestException { HttpRequestError: not HttpRequestError.Unknown } http => http.HttpRequestError.ToString(),
        HttpRequestException { InnerException: { } inner } => inner.GetType().Name,
        _ => exception.GetType().Name,
    };
}
