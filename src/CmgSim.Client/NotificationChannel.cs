using System.Globalization;
using System.Net;
using System.Text;
using System.Threading.Channels;
using System.Xml;
using System.Xml.Linq;

namespace CmgSim.Client;

/// <summary>A task the MP pushed over the notification channel.</summary>
/// <param name="Type">The numeric BGB task type, e.g. 1 = RequestMachinePolicy, 15 = RunScript.</param>
/// <param name="TaskParam">The decoded task parameter XML; empty for none.</param>
public sealed record ReceivedNotificationTask(string Id, int Type, string Name, string TaskParam);

/// <summary>Timings of a <see cref="NotificationChannel"/>.</summary>
public sealed class NotificationChannelOptions
{
    /// <summary>Added to the hold the MP announced at LogIn before a poll is given up as lost.</summary>
    public TimeSpan PollGrace { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Pause after a failed request before logging in again, so an MP outage is not hammered.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long disposing waits for LogOut.</summary>
    public TimeSpan LogOutTimeout { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>
/// The client's HTTP notification channel (client-protocols §3.8, the simulator's payloads — see the
/// MP's BgbHandlerEndpoint): LogIn, then Continue long-polls back to back, each answering with tasks or
/// nothing; a 410 (session gone) or a failure logs in again after <see cref="NotificationChannelOptions.RetryDelay"/>.
/// Disposing logs out. The <see cref="HttpClient.Timeout"/> of the given client must exceed the MP's hold.
/// </summary>
public sealed class NotificationChannel : IAsyncDisposable
{
    private const string HandlerPath = "/bgb/handler.ashx?RequestType=";

    private readonly HttpClient _http;
    private readonly string _base;
    private readonly string _smsId;
    private readonly string _host;
    private readonly TimeProvider _timeProvider;
    private readonly NotificationChannelOptions _options;
    private readonly Channel<ReceivedNotificationTask> _tasks = Channel.CreateUnbounded<ReceivedNotificationTask>(new UnboundedChannelOptions { SingleWriter = true });
    private readonly CancellationTokenSource _stopping = new();
    private Task? _loop;
    private string? _sessionId;
    private TimeSpan _hold;
    private int _logIns;

    /// <param name="managementPointBaseUrl">The MP as the client sees it, e.g. <c>https://svc:8443/CCM_Proxy_MutualAuth/72057594037927939</c>.</param>
    /// <param name="smsId">The client's SMSID, <c>GUID:…</c>.</param>
    public NotificationChannel(HttpClient http, Uri managementPointBaseUrl, string smsId, string hostName, TimeProvider timeProvider, NotificationChannelOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(managementPointBaseUrl);
        ArgumentException.ThrowIfNullOrEmpty(smsId);
        ArgumentException.ThrowIfNullOrEmpty(hostName);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _http = http;
        _base = managementPointBaseUrl.AbsoluteUri.TrimEnd('/');
        _smsId = smsId;
        _host = hostName;
        _timeProvider = timeProvider;
        _options = options ?? new NotificationChannelOptions();
    }

    /// <summary>Tasks as they arrive; completes when the channel is disposed.</summary>
    public ChannelReader<ReceivedNotificationTask> Tasks => _tasks.Reader;

    /// <summary>How many times the channel logged in (1 unless the MP dropped the session or failed).</summary>
    public int LogIns => Volatile.Read(ref _logIns);

    /// <summary>Logs in (throws when the MP refuses) and starts polling.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (_loop is not null)
        {
            throw new InvalidOperationException("The notification channel is already started.");
        }

        await LogInAsync(cancellationToken);
        _loop = Task.Run(() => PollAsync(_stopping.Token), CancellationToken.None);
    }

    /// <summary>Tasks as an async stream, for <c>await foreach</c>.</summary>
    public IAsyncEnumerable<ReceivedNotificationTask> ReadAllAsync(CancellationToken cancellationToken = default) => _tasks.Reader.ReadAllAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        if (_loop is not null)
        {
            await _loop;
        }

        if (_sessionId is { } session)
        {
            using var timeout = new CancellationTokenSource(_options.LogOutTimeout, _timeProvider);
            try
            {
                using var response = await PostAsync("LogOut", new XElement("BgbLogOut", new XAttribute("SMSID", _smsId), new XAttribute("SessionID", session)), timeout.Token);
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
            {
                // Best effort: the MP drops an idle session on its own.
            }
        }

        _tasks.Writer.TryComplete();
        _stopping.Dispose();
    }

    private async Task PollAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                if (_sessionId is null)
                {
                    await LogInAsync(stopping);
                }

                using var lostAfter = new CancellationTokenSource(_hold + _options.PollGrace, _timeProvider);
                using var lost = CancellationTokenSource.CreateLinkedTokenSource(stopping, lostAfter.Token);
                using var response = await PostAsync("Continue", new XElement("BgbContinue", new XAttribute("SMSID", _smsId), new XAttribute("SessionID", _sessionId!)), lost.Token);
                if (response.StatusCode == HttpStatusCode.Gone)
                {
                    _sessionId = null;
                    continue;
                }

                response.EnsureSuccessStatusCode();
                foreach (var task in XElement.Parse(await response.Content.ReadAsStringAsync(lost.Token)).Elements("Task"))
                {
                    _tasks.Writer.TryWrite(Parse(task));
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException or XmlException or FormatException)
            {
                // The MP, the CMG or the network failed: start over with a fresh session.
                _sessionId = null;
                try
                {
                    await Task.Delay(_options.RetryDelay, _timeProvider, stopping);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task LogInAsync(CancellationToken cancellationToken)
    {
        using var response = await PostAsync("LogIn", new XElement("BgbLogIn", new XAttribute("SMSID", _smsId), new XAttribute("Host", _host)), cancellationToken);
        response.EnsureSuccessStatusCode();
        var reply = XElement.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        _sessionId = (string?)reply.Attribute("SessionID") ?? throw new FormatException("BgbLogInReply without SessionID.");
        _hold = TimeSpan.FromSeconds(int.Parse((string?)reply.Attribute("ContinueTimeout") ?? "60", CultureInfo.InvariantCulture));
        Interlocked.Increment(ref _logIns);
    }

    private async Task<HttpResponseMessage> PostAsync(string requestType, XElement body, CancellationToken cancellationToken)
    {
        using var content = new StringContent(body.ToString(SaveOptions.DisableFormatting), Encoding.UTF8, "text/xml");
        return await _http.PostAsync(new Uri(_base + HandlerPath + requestType), content, cancellationToken);
    }

    private static ReceivedNotificationTask Parse(XElement task) => new(
        (string?)task.Attribute("ID") ?? string.Empty,
        int.Parse((string?)task.Attribute("Type") ?? "0", CultureInfo.InvariantCulture),
        (string?)task.Attribute("Name") ?? string.Empty,
        Encoding.UTF8.GetString(Convert.FromBase64String((string?)task.Attribute("TaskParam") ?? string.Empty)));
}
