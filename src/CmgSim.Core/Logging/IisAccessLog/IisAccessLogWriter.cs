using System.Globalization;
using System.Text;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CmgSim.Core.Logging.IisAccessLog;

/// <summary>
/// Writes the access log an MP's IIS keeps (<c>u_exYYMMDD.log</c>, W3C extended format): one line per
/// request, queued and written by one background task so a request never waits for the disk.
/// </summary>
/// <remarks>
/// ASP.NET Core's W3C logger holds at most 1,024 queued lines and flushes once per interval, which caps a
/// busy MP near 1,000 requests per second; a simulator under load cannot have that.
/// </remarks>
internal sealed partial class IisAccessLogWriter : IAsyncDisposable
{
    private readonly Channel<string> _queue;
    private readonly string _directory;
    private readonly string[] _headers;
    private readonly string _fieldsLine;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly Task _writer;

    public IisAccessLogWriter(IOptions<IisAccessLogOptions> options, TimeProvider timeProvider, ILogger<IisAccessLogWriter> logger)
    {
        var value = options.Value;
        _directory = value.Directory;
        _headers = [.. value.RequestHeaders];
        _timeProvider = timeProvider;
        _logger = logger;
        _fieldsLine = "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs-version cs-host cs(User-Agent) cs(Referer)"
            + string.Concat(_headers.Select(static h => $" cs({h})")) + " sc-status time-taken";
        _queue = Channel.CreateBounded<string>(new BoundedChannelOptions(value.QueueCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        Directory.CreateDirectory(_directory);
        _writer = Task.Run(WriteLoopAsync);
    }

    public ValueTask EnqueueAsync(HttpContext context, TimeSpan elapsed)
    {
        var line = Format(context, elapsed);
        return _queue.Writer.TryWrite(line) ? ValueTask.CompletedTask : _queue.Writer.WriteAsync(line);
    }

    private string Format(HttpContext context, TimeSpan elapsed)
    {
        var request = context.Request;
        var connection = context.Connection;
        var now = _timeProvider.GetUtcNow();
        var builder = new StringBuilder(256);
        builder.Append(CultureInfo.InvariantCulture, $"{now:yyyy-MM-dd HH:mm:ss} ");
        Append(builder, connection.LocalIpAddress?.ToString());
        Append(builder, request.Method);
        // IIS logs the URL as it came on the wire (still escaped), not ASP.NET's decoded path.
        var rawTarget = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? request.PathBase.Add(request.Path).Value + request.QueryString.Value;
        var queryStart = rawTarget.IndexOf('?', StringComparison.Ordinal);
        Append(builder, queryStart < 0 ? rawTarget : rawTarget[..queryStart]);
        Append(builder, queryStart < 0 || queryStart == rawTarget.Length - 1 ? null : rawTarget[(queryStart + 1)..]);
        Append(builder, connection.LocalPort.ToString(CultureInfo.InvariantCulture));
        Append(builder, context.User.Identity?.Name);
        Append(builder, connection.RemoteIpAddress?.ToString());
        Append(builder, request.Protocol);
        Append(builder, request.Host.Value);
        Append(builder, request.Headers.UserAgent);
        Append(builder, request.Headers.Referer);
        foreach (var header in _headers)
        {
            Append(builder, request.Headers[header]);
        }

        Append(builder, context.Response.StatusCode.ToString(CultureInfo.InvariantCulture));
        builder.Append((long)elapsed.TotalMilliseconds);
        return builder.ToString();
    }

    /// <summary>W3C fields are space-separated: IIS writes '-' for nothing and '+' for a space.</summary>
    private static void Append(StringBuilder builder, string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            builder.Append('-');
        }
        else
        {
            foreach (var c in value)
            {
                builder.Append(c is ' ' ? '+' : c is '\r' or '\n' ? '_' : c);
            }
        }

        builder.Append(' ');
    }

    private async Task WriteLoopAsync()
    {
        StreamWriter? file = null;
        var fileDate = default(DateOnly);
        try
        {
            while (await _queue.Reader.WaitToReadAsync())
            {
                var today = DateOnly.FromDateTime(_timeProvider.GetUtcNow().UtcDateTime);
                if (file is null || today != fileDate)
                {
                    if (file is not null)
                    {
                        await file.DisposeAsync();
                    }

                    file = Open(today);
                    fileDate = today;
                }

                while (_queue.Reader.TryRead(out var line))
                {
                    await file.WriteLineAsync(line);
                }

                await file.FlushAsync();
            }
        }
        catch (IOException e)
        {
            Log.WriteFailed(_logger, _directory, e.Message);
        }
        finally
        {
            if (file is not null)
            {
                await file.DisposeAsync();
            }
        }
    }

    private StreamWriter Open(DateOnly date)
    {
        var path = Path.Combine(_directory, $"u_ex{date:yyMMdd}.log");
        var isNew = !File.Exists(path);
        var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
        var writer = new StreamWriter(stream, new UTF8Encoding(false)) { NewLine = "\r\n" };
        if (isNew || stream.Length == 0)
        {
            writer.WriteLine("#Software: CmgSim (IIS-style access log)");
            writer.WriteLine("#Version: 1.0");
            writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"#Date: {_timeProvider.GetUtcNow():yyyy-MM-dd HH:mm:ss}"));
        }

        // IIS repeats the directives whenever a process starts writing; readers take the last #Fields.
        writer.WriteLine(_fieldsLine);
        return writer;
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _writer;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 7001, Level = LogLevel.Error, Message = "The IIS access log in {Directory} cannot be written: {Reason}")]
        public static partial void WriteFailed(ILogger logger, string directory, string reason);
    }
}
