using System.Net.Http.Headers;
using System.Text;
using CmgSim.Messaging;

namespace CmgSim.Client.Diagnostics;

/// <summary>One request and its response as the client sent and received them, with decoded bodies.</summary>
public sealed record HttpExchange(string Method, Uri Url, IReadOnlyList<string> RequestHeaders, string RequestBody, int? StatusCode, IReadOnlyList<string> ResponseHeaders, string ResponseBody);

/// <summary>Keeps every exchange a client makes, in order, for <c>cmgsim client run --verbose</c>.</summary>
public sealed class HttpExchangeLog
{
    private readonly List<HttpExchange> _exchanges = [];
    private readonly Lock _gate = new();

    public IReadOnlyList<HttpExchange> Exchanges
    {
        get
        {
            lock (_gate)
            {
                return [.. _exchanges];
            }
        }
    }

    internal void Add(HttpExchange exchange)
    {
        lock (_gate)
        {
            _exchanges.Add(exchange);
        }
    }

    /// <summary>
    /// A body as a person wants to read it: the CcmMessaging envelope unpacked into its <c>&lt;Msg&gt;</c>
    /// header and decompressed body, XML and text as text, anything else as its length.
    /// </summary>
    internal static string Decode(byte[] body, MediaTypeHeaderValue? contentType)
    {
        if (body.Length == 0)
        {
            return "(empty)";
        }

        var mediaType = contentType?.MediaType ?? string.Empty;
        if (mediaType.StartsWith("multipart/", StringComparison.OrdinalIgnoreCase)
            && CcmMessageReader.TryRead(body, contentType!.ToString(), out var envelope, out _))
        {
            return $"<!-- Msg header -->{Environment.NewLine}{envelope!.Message.Header}{Environment.NewLine}<!-- body -->{Environment.NewLine}{envelope.Message.Body}";
        }

        if (mediaType.Contains("xml", StringComparison.OrdinalIgnoreCase) || mediaType.StartsWith("text/", StringComparison.OrdinalIgnoreCase))
        {
            // Policy bodies are UTF-16 with a BOM; everything else here is UTF-8.
            var encoding = body.Length >= 2 && body[0] == 0xFF && body[1] == 0xFE ? Encoding.Unicode : Encoding.UTF8;
            return encoding.GetString(body).TrimStart('\uFEFF');
        }

        return $"({body.Length} bytes of {(mediaType.Length == 0 ? "unknown type" : mediaType)})";
    }
}

/// <summary>Records each exchange into an <see cref="HttpExchangeLog"/>; bodies are buffered to be read twice.</summary>
internal sealed class HttpExchangeRecorder(HttpExchangeLog log) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var requestBody = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancellationToken);
        var requestHeaders = Headers(request.Headers, request.Content?.Headers);
        HttpResponseMessage response;
        try
        {
            response = await base.SendAsync(request, cancellationToken);
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            log.Add(new HttpExchange(request.Method.Method, request.RequestUri!, requestHeaders, HttpExchangeLog.Decode(requestBody, request.Content?.Headers.ContentType), null, [], $"(failed: {e.GetBaseException().Message})"));
            throw;
        }

        await response.Content.LoadIntoBufferAsync(cancellationToken);
        var responseBody = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        log.Add(new HttpExchange(
            request.Method.Method,
            request.RequestUri!,
            requestHeaders,
            HttpExchangeLog.Decode(requestBody, request.Content?.Headers.ContentType),
            (int)response.StatusCode,
            Headers(response.Headers, response.Content.Headers),
            HttpExchangeLog.Decode(responseBody, response.Content.Headers.ContentType)));
        return response;
    }

    private static string[] Headers(HttpHeaders headers, HttpHeaders? contentHeaders) =>
        [.. headers.Concat(contentHeaders ?? Enumerable.Empty<KeyValuePair<string, IEnumerable<string>>>()).Select(static h => $"{h.Key}: {string.Join(", ", h.Value)}")];
}
