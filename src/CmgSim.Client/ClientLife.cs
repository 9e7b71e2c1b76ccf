using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using CmgSim.Client.TokenAuthentication;
using CmgSim.Messaging;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CmgSim.Client;

/// <summary>
/// One PKI client's whole life through the CMG, as a fixed sequence of steps:
/// <list type="number">
/// <item>Location (MPLIST, SITESIGNCERT, CCM_POST site information — critical; SUP GetConfig — not critical).</item>
/// <item>Registration (a new <see cref="ClientIdentity"/>, SMSID from the MP) — critical.</item>
/// <item>Policy request and download, incl. the secret NAA policy decrypted.</item>
/// <item>Notification LogIn (the BGB channel stays up until the end).</item>
/// <item>Hardware inventory (signed, async CCM_POST to MP_HinvEndpoint, acknowledged).</item>
/// <item>State messages (signed report to MP_RelayEndpoint, acknowledged).</item>
/// <item>WSUS scan through the CMG SUP path (<see cref="WsusScanFlow"/>).</item>
/// <item>Compliance state messages (topic 500) for the updates found.</item>
/// <item>Notification LogOut.</item>
/// </list>
/// A failed critical step stops the life (nothing after it could work without a site or an SMSID); the
/// remaining steps are not run and not listed. Any other failure is recorded and the life continues,
/// as the real agents are independent of each other. Only the caller's cancellation propagates.
/// </summary>
public sealed partial class ClientLife : IAsyncDisposable
{
    public const string PolicyStep = "Policy";
    public const string NotificationLogInStep = "BGB LogIn";
    public const string NotificationLogOutStep = "BGB LogOut";
    public const string HardwareInventoryStep = "HINV";
    public const string StateMessagesStep = "StateMessages";
    public const string ComplianceStep = "Compliance";

    /// <summary>Prefixed to <see cref="WsusScanFlow"/> steps so they differ from the location step's GetConfig.</summary>
    public const string WsusStepPrefix = "WSUS ";

    /// <summary>
    /// [U] Topic type of the generic state message the life sends before the scan; a stand-in for the
    /// client's periodic (non-update) state messages, whose exact topics are not modelled.
    /// </summary>
    public const int GenericStateTopicType = 1001;

    private static readonly HttpMethod CcmPost = new("CCM_POST");

    private readonly ClientSession _session;
    private readonly TimeProvider _timeProvider;
    private readonly ClientLifeOptions _options;
    private readonly WsusScanFlowOptions _wsusOptions;
    private readonly ILogger _logger;
    private NotificationChannel? _notification;
    private long _serialNumber;

    /// <param name="hostName">The client's NetBIOS name (its ConfigMgr identity's host name).</param>
    public ClientLife(ClientSession session, string hostName, TimeProvider timeProvider, ClientLifeOptions? options = null, ILogger<ClientLife>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentException.ThrowIfNullOrEmpty(hostName);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _session = session;
        _timeProvider = timeProvider;
        _options = options ?? new ClientLifeOptions();
        _logger = logger ?? (ILogger)NullLogger.Instance;
        Identity = ClientIdentity.Create(hostName, timeProvider.GetUtcNow());
        _wsusOptions = new WsusScanFlowOptions
        {
            ClientId = Guid.NewGuid().ToString(),
            DnsName = $"{hostName}.{_options.Domain}".ToLowerInvariant(),
            OSBuildNumber = _options.OSBuildNumber,
        };
    }

    public ClientIdentity Identity { get; }

    /// <summary>The policies of the last successful poll.</summary>
    public IReadOnlyList<DownloadedPolicy> Policies { get; private set; } = [];

    /// <summary>The Network Access Account from the decrypted NAAConfig policy, once downloaded.</summary>
    public (string UserName, string Password)? NetworkAccessAccount { get; private set; }

    public WsusScanResult? LastScan { get; private set; }

    /// <summary>Notification tasks received while the channel was up.</summary>
    public IReadOnlyList<ReceivedNotificationTask> NotificationTasks { get; private set; } = [];

    /// <summary>Runs the whole life once; see the type's summary for the steps and their criticality.</summary>
    public async Task<IReadOnlyList<ClientStepResult>> RunAsync(CancellationToken cancellationToken = default)
    {
        var results = await RunStepsAsync(cancellationToken);
        foreach (var step in results)
        {
            Log(step);
        }

        return results;
    }

    /// <summary>Repeats policy polls and hardware inventory cycles for <paramref name="duration"/> of simulated time; run after <see cref="RunAsync"/>.</summary>
    public Task<ClientScheduleResult> RunScheduleAsync(TimeSpan duration, CancellationToken cancellationToken = default) =>
        new ClientLifeSchedule(_options, _timeProvider, ct => LoggedAsync(PollPolicyAsync(ct)), ct => LoggedAsync(RunInventoryCycleAsync(ct))).RunAsync(duration, cancellationToken);

    private async Task<List<ClientStepResult>> RunStepsAsync(CancellationToken cancellationToken)
    {
        var results = new List<ClientStepResult>();
        if (_session.Tokens is { } tokens)
        {
            // A token client first gets its credential and a CCM token; without one nothing else can pass the CMG.
            var tokenSteps = await tokens.AcquireAsync(cancellationToken);
            results.AddRange(tokenSteps);
            if (tokenSteps.Count == 0 || tokenSteps.Any(static s => !s.Succeeded && s.Step == CcmTokenSource.StsStep) || !tokenSteps.Any(static s => s.Step == CcmTokenSource.StsStep))
            {
                return results;
            }
        }

        var location = await _session.Flow.RunAsync(cancellationToken);
        results.AddRange(location);
        if (location.Where(static s => s.Step != ClientFlow.GetConfigStep).Any(static s => !s.Succeeded))
        {
            return results;
        }

        var registration = await _session.Flow.RegisterAsync(Identity, _session.CcmRequestPath, cancellationToken);
        results.Add(registration);
        if (!registration.Succeeded)
        {
            return results;
        }

        if (_session.Tokens is { } siteTokens && Identity.SiteClientToken is { } clientToken)
        {
            // The bulk token is discarded: from now on the site client token buys the CCM tokens.
            siteTokens.UseSiteClientToken(clientToken);
            var exchange = await siteTokens.AcquireAsync(cancellationToken);
            results.AddRange(exchange);
            if (exchange.Any(static s => !s.Succeeded))
            {
                return results;
            }
        }

        results.Add(await PollPolicyAsync(cancellationToken));
        results.Add(await StartNotificationAsync(cancellationToken));
        try
        {
            results.Add(await RunInventoryCycleAsync(cancellationToken));
            results.Add(await SendStateMessagesAsync(
                StateMessagesStep,
                [StateMessageBuilder.StateMessage(Identity.SmsId!, GenericStateTopicType, 0, 1, _timeProvider.GetUtcNow(), NextSerialNumber())],
                cancellationToken));

            var scan = await new WsusScanFlow(_session.Http, _session.SoftwareUpdatePointBaseUrl, _timeProvider, _wsusOptions).RunAsync(cancellationToken);
            LastScan = scan;
            results.AddRange(scan.Steps.Select(static s => s with { Step = WsusStepPrefix + s.Step }));

            // The scan only exposes revision ids, so those stand in for the update ids of the topic.
            var compliance = StateMessageBuilder.UpdateCompliance(
                scan.UpdateRevisionIds.Select(static id => (id.ToString(CultureInfo.InvariantCulture), UpdateComplianceState.Required)),
                _timeProvider.GetUtcNow(),
                NextSerialNumber(scan.UpdateRevisionIds.Count));
            results.Add(scan.Succeeded
                ? await SendStateMessagesAsync(ComplianceStep, compliance, cancellationToken)
                : new ClientStepResult(ComplianceStep, string.Empty, null, TimeSpan.Zero, false, "Skipped: the WSUS scan did not complete."));
        }
        finally
        {
            // On the caller's cancellation the channel is still logged out, best effort, by DisposeAsync.
            if (!cancellationToken.IsCancellationRequested)
            {
                results.Add(await StopNotificationAsync());
            }
        }

        return results;
    }

    /// <summary>One machine policy cycle: RequestAssignments and every policy body, secret ones decrypted.</summary>
    public Task<ClientStepResult> PollPolicyAsync(CancellationToken cancellationToken = default) =>
        TimedAsync(PolicyStep, _session.ManagementPointBaseUrl.AbsoluteUri.TrimEnd('/') + _session.CcmRequestPath, async token =>
        {
            var policies = await new PolicyFlow(_session.Http, _session.ManagementPointBaseUrl, _timeProvider, _session.CcmRequestPath).RunAsync(Identity, token);
            Policies = policies;
            var detail = $"{policies.Count} policies ({string.Join(", ", policies.Select(static p => p.Category).Distinct(StringComparer.Ordinal))})";
            var naa = policies.SelectMany(static p => p.Secrets).ToList();
            var user = naa.FirstOrDefault(static s => s.Key == "NetworkAccessUsername").Value;
            var password = naa.FirstOrDefault(static s => s.Key == "NetworkAccessPassword").Value;
            if (user is not null && password is not null)
            {
                NetworkAccessAccount = (user, password);
                detail += $"; NAA {user} decrypted";
            }

            return (200, detail);
        }, cancellationToken);

    /// <summary>One hardware inventory cycle: a signed full report to MP_HinvEndpoint, which must acknowledge it.</summary>
    public Task<ClientStepResult> RunInventoryCycleAsync(CancellationToken cancellationToken = default)
    {
        var now = _timeProvider.GetUtcNow();
        var body = InventoryReportBuilder.HardwareInventory(
            Identity, _options.Domain, _options.OSCaption, _options.OSVersion, _options.OSBuildNumber.ToString(CultureInfo.InvariantCulture), now);
        return PostAsyncMessageAsync(HardwareInventoryStep, InventoryReportBuilder.HinvEndpoint, body, cancellationToken);
    }

    /// <summary>
    /// The monthly renewal of a site client token at client start (cmg-facts §2.4); fails for clients that hold none.
    /// </summary>
    public Task<ClientStepResult> RenewSiteClientTokenAsync(CancellationToken cancellationToken = default)
    {
        if (_session.Tokens is not { } tokens || Identity.SiteClientToken is null)
        {
            return Task.FromResult(new ClientStepResult(CcmTokenSource.RenewStep, string.Empty, null, TimeSpan.Zero, false, "This client holds no site client token."));
        }

        return LoggedAsync(tokens.RenewSiteClientTokenAsync(cancellationToken));
    }

    public async ValueTask DisposeAsync()
    {
        if (_notification is { } channel)
        {
            _notification = null;
            await channel.DisposeAsync();
        }

        Identity.Dispose();
    }

    private Task<ClientStepResult> SendStateMessagesAsync(string step, IEnumerable<XElement> messages, CancellationToken cancellationToken) =>
        PostAsyncMessageAsync(step, InventoryReportBuilder.RelayEndpoint, InventoryReportBuilder.StateMessages(Identity, _timeProvider.GetUtcNow(), messages), cancellationToken);

    private long NextSerialNumber(int count = 1)
    {
        var first = _serialNumber + 1;
        _serialNumber += count;
        return first;
    }

    private Task<ClientStepResult> StartNotificationAsync(CancellationToken cancellationToken) =>
        TimedAsync(NotificationLogInStep, _session.ManagementPointBaseUrl.AbsoluteUri.TrimEnd('/') + "/bgb/handler.ashx?RequestType=LogIn", async token =>
        {
            var channel = new NotificationChannel(_session.Http, _session.ManagementPointBaseUrl, Identity.SmsId!, Identity.HostName, _timeProvider, _options.Notification);
            try
            {
                await channel.StartAsync(token);
            }
            catch
            {
                await channel.DisposeAsync();
                throw;
            }

            _notification = channel;
            return (200, "Logged in; long-polling until the end of the life");
        }, cancellationToken);

    private async Task<ClientStepResult> StopNotificationAsync()
    {
        var endpoint = _session.ManagementPointBaseUrl.AbsoluteUri.TrimEnd('/') + "/bgb/handler.ashx?RequestType=LogOut";
        if (_notification is not { } channel)
        {
            return new ClientStepResult(NotificationLogOutStep, endpoint, null, TimeSpan.Zero, false, "Skipped: the channel never logged in.");
        }

        var started = _timeProvider.GetTimestamp();
        _notification = null;
        var logIns = channel.LogIns;
        await channel.DisposeAsync();
        var tasks = new List<ReceivedNotificationTask>();
        while (channel.Tasks.TryRead(out var task))
        {
            tasks.Add(task);
        }

        NotificationTasks = tasks;

        // The channel logs out best effort and does not report the answer, so there is no status to show.
        return new ClientStepResult(NotificationLogOutStep, endpoint, null, _timeProvider.GetElapsedTime(started), true, $"Stopped after {logIns} log-in(s), {tasks.Count} task(s) received");
    }

    /// <summary>A signed asynchronous CCM_POST; succeeds only on the MP's <c>MessageAcknowledgement Status="Accepted"</c>.</summary>
    private Task<ClientStepResult> PostAsyncMessageAsync(string step, string endpointName, string body, CancellationToken cancellationToken)
    {
        var url = _session.ManagementPointBaseUrl.AbsoluteUri.TrimEnd('/') + _session.CcmRequestPath;
        return TimedAsync(step, url, async token =>
        {
            var messageId = "{" + Guid.NewGuid().ToString().ToUpperInvariant() + "}";
            using var request = new HttpRequestMessage(CcmPost, url)
            {
                Content = new ByteArrayContent(InventoryReportBuilder.Sign(Identity, endpointName, body, messageId, _timeProvider.GetUtcNow())),
            };
            request.Headers.UserAgent.Add(new ProductInfoHeaderValue("ccmhttp", null));
            request.Content.Headers.TryAddWithoutValidation("Content-Type", CcmMessageWriter.GetContentType());
            using var response = await _session.Http.SendAsync(request, token);
            var status = (int)response.StatusCode;
            var bytes = await response.Content.ReadAsByteArrayAsync(token);
            if (!response.IsSuccessStatusCode)
            {
                throw new StepFailedException(status, $"HTTP {status} {response.ReasonPhrase}");
            }

            if (bytes.Length == 0)
            {
                throw new StepFailedException(status, $"Empty reply (HTTP 200, Content-Length 0): {endpointName} refused the message (signature or content).");
            }

            var reply = XElement.Parse(CcmMessageReader.Read(bytes, response.Content.Headers.ContentType?.ToString()).Message.Body);
            var ackStatus = (string?)reply.Attribute("Status");
            if (reply.Name.LocalName != "MessageAcknowledgement" || ackStatus != "Accepted")
            {
                throw new StepFailedException(status, $"Unexpected reply <{reply.Name.LocalName}> Status={ackStatus}");
            }

            return (status, $"{endpointName} acknowledged {(string?)reply.Attribute("MessageID")} ({Encoding.UTF8.GetByteCount(body)} B body)");
        }, cancellationToken);
    }

    private async Task<ClientStepResult> TimedAsync(string step, string endpoint, Func<CancellationToken, Task<(int Status, string Detail)>> action, CancellationToken cancellationToken)
    {
        var started = _timeProvider.GetTimestamp();
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_options.RequestTimeout);
            var (status, detail) = await action(timeout.Token);
            return new ClientStepResult(step, endpoint, status, _timeProvider.GetElapsedTime(started), true, detail);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (StepFailedException ex)
        {
            return new ClientStepResult(step, endpoint, ex.Status, _timeProvider.GetElapsedTime(started), false, ex.Message);
        }
        catch (Exception ex) when (ex is OperationCanceledException or HttpRequestException or IOException or XmlException or CryptographicException
            or CcmMessageFormatException or FormatException or InvalidOperationException)
        {
            var status = ex is HttpRequestException { StatusCode: { } code } ? (int)code : (int?)null;
            return new ClientStepResult(step, endpoint, status, _timeProvider.GetElapsedTime(started), false, $"{ex.GetType().Name}: {ex.Message}");
        }
    }

    private async Task<ClientStepResult> LoggedAsync(Task<ClientStepResult> step)
    {
        var result = await step;
        Log(result);
        return result;
    }

    private void Log(ClientStepResult step)
    {
        if (step.Succeeded)
        {
            LogStepSucceeded(_logger, Identity.HostName, step.Step, step.Status, step.Elapsed.TotalMilliseconds, step.Detail);
        }
        else
        {
            LogStepFailed(_logger, Identity.HostName, step.Step, step.Endpoint, step.Status, step.Detail);
        }
    }

    [LoggerMessage(EventId = 7101, Level = LogLevel.Debug, Message = "{Client} {Step}: HTTP {Status} in {ElapsedMs:F1} ms, {Detail}")]
    private static partial void LogStepSucceeded(ILogger logger, string client, string step, int? status, double elapsedMs, string? detail);

    [LoggerMessage(EventId = 7102, Level = LogLevel.Warning, Message = "{Client} {Step} failed ({Endpoint}): HTTP {Status}, {Detail}")]
    private static partial void LogStepFailed(ILogger logger, string client, string step, string endpoint, int? status, string? detail);

    private sealed class StepFailedException(int status, string message) : Exception(message)
    {
        public int Status { get; } = status;
    }
}
