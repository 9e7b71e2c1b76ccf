using System.Net;
using System.Text;
using System.Xml.Linq;
using CmgSim.Identity.SiteTokens;
using CmgSim.Messaging;
using CmgSim.Messaging.Signing;
using Microsoft.Extensions.Logging;

namespace CmgSim.ManagementPoint.Tests;

public sealed class SignedMessageTests(ManagementPointHost host) : IClassFixture<ManagementPointHost>
{
    private async Task<string> RegisterAsync(TestClient client)
    {
        using var request = TestClient.Post("/ccm_system/request", client.Registration(null));
        using var response = await host.Client.SendAsync(request);
        var reply = CcmMessageReader.Read(await response.Content.ReadAsByteArrayAsync(), response.Content.Headers.ContentType?.ToString());
        return (string)XElement.Parse(reply.Message.Body).Attribute("SMSID")!;
    }

    private async Task<HttpResponseMessage> PostAsync(byte[] body)
    {
        using var request = TestClient.Post("/ccm_system/request", body);
        return await host.Client.SendAsync(request);
    }

    /// <summary>The MP logs a reply after writing it, so the client can see the response first: poll briefly.</summary>
    private async Task<bool> EventuallyLogged(string messageId, string text)
    {
        var started = TimeProvider.System.GetTimestamp();
        while (!Logged(messageId, text))
        {
            if (TimeProvider.System.GetElapsedTime(started) > TimeSpan.FromSeconds(5))
            {
                return false;
            }

            await Task.Delay(10);
        }

        return true;
    }

    private bool Logged(string messageId, string text) =>
        host.Logs.Any(l => l.Category == ManagementPointLogCategories.Messaging && l.Message.Contains(messageId, StringComparison.Ordinal) && l.Message.Contains(text, StringComparison.Ordinal));

    [Theory]
    [InlineData(CcmSignatureStyle.Reversed)]
    [InlineData(CcmSignatureStyle.BigEndian)]
    [InlineData(CcmSignatureStyle.ReversedNoDigestInfo)]
    [InlineData(CcmSignatureStyle.BigEndianNoDigestInfo)]
    public async Task A_registered_client_passes_the_signature_check_in_every_style(CcmSignatureStyle style)
    {
        using var client = new TestClient();
        var smsId = await RegisterAsync(client);
        var body = client.SignedPolicyRequest(smsId, style);
        var id = CcmMessageReader.Read(body, null).Header.Id!;

        using var response = await PostAsync(body);

        // Past the check MP_PolicyManager answers (ReplyAssignments).
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(await EventuallyLogged(id, "Replied to message"));
        Assert.False(Logged(id, "signature check failed"));
    }

    [Fact]
    public async Task Tampered_payload_gets_an_empty_200_and_says_which_signature_failed()
    {
        using var client = new TestClient();
        var smsId = await RegisterAsync(client);
        var envelope = CcmMessageReader.Read(client.SignedPolicyRequest(smsId), null);
        var tampered = CcmPayload.Encode("<RequestAssignments SchemaVersion=\"9.99\"/>", CcmCompression.Zlib);

        using var response = await PostAsync(CcmMessageWriter.WriteEncoded(envelope.Message.Header, tampered));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(0, response.Content.Headers.ContentLength);
        Assert.True(await EventuallyLogged(envelope.Header.Id!, "signature check failed (PayloadSignatureInvalid): PayloadSignature does not verify"));
    }

    [Fact]
    public async Task Unknown_client_and_foreign_key_are_refused()
    {
        using var registered = new TestClient();
        using var impostor = new TestClient();
        var smsId = await RegisterAsync(registered);
        var unknown = impostor.SignedPolicyRequest("GUID:" + Guid.NewGuid().ToString().ToUpperInvariant());
        var foreign = impostor.SignedPolicyRequest(smsId);

        using var first = await PostAsync(unknown);
        using var second = await PostAsync(foreign);

        Assert.Equal(0, first.Content.Headers.ContentLength);
        Assert.Equal(0, second.Content.Headers.ContentLength);
        Assert.True(await EventuallyLogged(CcmMessageReader.Read(unknown, null).Header.Id!, "(UnknownClient)"));
        Assert.True(await EventuallyLogged(CcmMessageReader.Read(foreign, null).Header.Id!, "(KeyMismatch)"));
    }

    [Fact]
    public async Task Unsigned_policy_request_is_refused()
    {
        var body = CcmMessageWriter.Write(CcmMessage.Create(TestClient.Header("MP_PolicyManager", sourceId: "GUID:00000000-0000-0000-0000-000000000001"), "<RequestAssignments/>"));

        using var response = await PostAsync(body);

        Assert.Equal(0, response.Content.Headers.ContentLength);
        Assert.True(await EventuallyLogged(CcmMessageReader.Read(body, null).Header.Id!, "(MissingHook)"));
    }

    [Fact]
    public async Task Async_post_gets_an_acknowledgement_not_zero_bytes()
    {
        var body = CcmMessageWriter.Write(CcmMessage.Create(TestClient.Header("MP_AppStateManager", "Async"), "<Report/>"));
        var id = CcmMessageReader.Read(body, null).Header.Id!;

        using var response = await PostAsync(body);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.NotEmpty(bytes);
        var reply = CcmMessageReader.Read(bytes, response.Content.Headers.ContentType?.ToString());
        var ack = XElement.Parse(reply.Message.Body);
        Assert.Equal("MessageAcknowledgement", ack.Name.LocalName);
        Assert.Equal(id, (string?)ack.Attribute("MessageID"));
        Assert.Equal(id, reply.Header.CorrelationId);
    }

    [Theory]
    [InlineData("/ccm_system_altauth/request", "AltAuth")]
    [InlineData("/ccm_system_tokenauth/request", "TokenAuth")]
    public async Task Other_paths_answer_and_record_the_path(string path, string authPath)
    {
        var message = CcmMessage.Create(TestClient.Header("MP_LocationManager"), "<SiteInformationRequest SchemaVersion=\"1.00\"><SiteCode Name=\"PS1\"/></SiteInformationRequest>");
        var id = message.ParseHeader().Id!;
        using var request = TestClient.Post(path, CcmMessageWriter.Write(message));
        if (authPath == "TokenAuth")
        {
            request.Headers.Authorization = new("Bearer", host.CcmToken(CcmTokenType.Device, deviceId: Guid.NewGuid()));
        }

        using var response = await host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.NotEqual(0, response.Content.Headers.ContentLength);
        Assert.True(await EventuallyLogged(id, "via " + authPath));
        Assert.DoesNotContain(host.Logs, l => l.Level >= LogLevel.Error);
        Assert.NotEmpty(Encoding.ASCII.GetString(await response.Content.ReadAsByteArrayAsync()));
    }
}
