using System.Net.Http.Headers;
using System.Xml;
using System.Xml.Linq;
using CmgSim.Client;
using CmgSim.LoadTests.Engine;
using CmgSim.Messaging;

namespace CmgSim.LoadTests.Scenarios;

/// <summary>
/// A state-message report as the client's state system queues it: its message id is fixed when it is queued, so
/// a resend after a failure is the same message and the MP stores it once (<c>RelayMessages.MessageId</c> is unique).
/// </summary>
internal sealed class QueuedStateMessage(string messageId, string body, int stateMessages)
{
    public string MessageId { get; } = messageId;

    public string Body { get; } = body;

    public int StateMessages { get; } = stateMessages;

    /// <summary>Sends so far, the first one included.</summary>
    public int Attempts { get; set; }
}

/// <summary>Posts state messages to <c>MP_RelayEndpoint</c> through the CMG, signed and asynchronous, as the client does (client-protocols §3.7).</summary>
internal static class StateMessagePost
{
    private static readonly HttpMethod CcmPost = new("CCM_POST");

    public static QueuedStateMessage Create(ClientIdentity identity, IReadOnlyCollection<XElement> stateMessages, DateTimeOffset now) =>
        new("{" + Guid.NewGuid().ToString().ToUpperInvariant() + "}", InventoryReportBuilder.StateMessages(identity, now, stateMessages), stateMessages.Count);

    /// <summary>
    /// One post. OK only on the MP's <c>MessageAcknowledgement Status="Accepted"</c> (HTTP 200); the empty 200 (refused),
    /// CMG errors, transport errors and the time-out are failures the client would retry.
    /// </summary>
    public static async ValueTask<StepResult> SendAsync(
        LoadClient client,
        Uri managementPointUrl,
        QueuedStateMessage message,
        TimeProvider timeProvider,
        TimeSpan timeout,
        CancellationToken runToken)
    {
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(runToken);
        timeoutSource.CancelAfter(timeout);
        try
        {
            // Signed again on each send (the header's SentTime moves), with the same message id.
            using var request = new HttpRequestMessage(CcmPost, managementPointUrl.AbsoluteUri.TrimEnd('/') + client.CcmRequestPath)
            {
                Content = new ByteArrayContent(InventoryReportBuilder.Sign(client.Identity, InventoryReportBuilder.RelayEndpoint, message.Body, message.MessageId, timeProvider.GetUtcNow())),
            };
            request.Headers.UserAgent.Add(new ProductInfoHeaderValue("ccmhttp", null));
            request.Content.Headers.TryAddWithoutValidation("Content-Type", CcmMessageWriter.GetContentType());
            using var response = await client.Http.SendAsync(request, timeoutSource.Token);
            var bytes = await response.Content.ReadAsByteArrayAsync(timeoutSource.Token);
            if (!response.IsSuccessStatusCode)
            {
                return HttpStep.FromResponse(response, bytes.Length);
            }

            if (bytes.Length == 0)
            {
                return StepResult.Fail(200, "EmptyReply", "HTTP 200 with no body: MP_RelayEndpoint refused the message (unknown client, signature or content).");
            }

            var reply = XElement.Parse(CcmMessageReader.Read(bytes, response.Content.Headers.ContentType?.ToString()).Message.Body);
            return reply.Name.LocalName == "MessageAcknowledgement" && (string?)reply.Attribute("Status") == "Accepted"
                ? StepResult.Ok(200, bytes.Length)
                : StepResult.Fail(200, "NotAccepted", $"<{reply.Name.LocalName}> Status={(string?)reply.Attribute("Status")}", bytes.Length);
        }
        catch (OperationCanceledException) when (runToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or OperationCanceledException or XmlException or CcmMessageFormatException)
        {
            return StepResult.Fail(0, HttpStep.ErrorKind(ex), ex.Message);
        }
    }
}
