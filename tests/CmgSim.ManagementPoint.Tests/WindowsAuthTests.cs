using System.Buffers.Binary;
using System.Net;
using System.Text;
using System.Xml.Linq;
using CmgSim.Messaging;

namespace CmgSim.ManagementPoint.Tests;

public sealed class WindowsAuthTests(ManagementPointHost host) : IClassFixture<ManagementPointHost>
{
    private const string Path = "/ccm_system_windowsauth/request";

    private static byte[] SiteInformationRequest() => CcmMessageWriter.Write(CcmMessage.Create(
        TestClient.Header("MP_LocationManager"),
        "<SiteInformationRequest SchemaVersion=\"1.00\"><SiteCode Name=\"PS1\"/></SiteInformationRequest>"));

    [Fact]
    public async Task Ntlm_round_trip_negotiate_challenge_authenticate()
    {
        // Leg 1: no credentials → both schemes offered. requests-ntlm resends the whole body on each leg, so do we.
        using var first = TestClient.Post(Path, SiteInformationRequest());
        using var offer = await host.Client.SendAsync(first);
        Assert.Equal(HttpStatusCode.Unauthorized, offer.StatusCode);
        Assert.Equal(["Negotiate", "NTLM"], offer.Headers.WwwAuthenticate.Select(h => h.Scheme));

        // Leg 2: NEGOTIATE → CHALLENGE.
        using var second = TestClient.Post(Path, SiteInformationRequest());
        second.Headers.TryAddWithoutValidation("Authorization", "NTLM " + Convert.ToBase64String(NtlmClientMessages.Negotiate()));
        using var challengeResponse = await host.Client.SendAsync(second);
        Assert.Equal(HttpStatusCode.Unauthorized, challengeResponse.StatusCode);
        var header = Assert.Single(challengeResponse.Headers.WwwAuthenticate);
        Assert.Equal("NTLM", header.Scheme);
        var challenge = Convert.FromBase64String(header.Parameter!);
        Assert.Equal("NTLMSSP\0"u8.ToArray(), challenge[..8]);
        Assert.Equal(2, BinaryPrimitives.ReadInt32LittleEndian(challenge.AsSpan(8)));
        var targetNameLength = BinaryPrimitives.ReadUInt16LittleEndian(challenge.AsSpan(12));
        var targetNameOffset = BinaryPrimitives.ReadInt32LittleEndian(challenge.AsSpan(16));
        Assert.Equal("CONTOSO", Encoding.Unicode.GetString(challenge, targetNameOffset, targetNameLength));
        var infoLength = BinaryPrimitives.ReadUInt16LittleEndian(challenge.AsSpan(40));
        var infoOffset = BinaryPrimitives.ReadInt32LittleEndian(challenge.AsSpan(44));
        Assert.Equal(challenge.Length, infoOffset + infoLength);
        Assert.Equal([0, 0, 0, 0], challenge[^4..]);
        Assert.NotEqual(0u, BinaryPrimitives.ReadUInt32LittleEndian(challenge.AsSpan(20)) & 0x00800000);

        // Leg 3: AUTHENTICATE → the message is processed.
        using var third = TestClient.Post(Path, SiteInformationRequest());
        third.Headers.TryAddWithoutValidation("Authorization", "NTLM " + Convert.ToBase64String(NtlmClientMessages.Authenticate("CONTOSO", "CLIENT01$", "CLIENT01")));
        using var accepted = await host.Client.SendAsync(third);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        var reply = CcmMessageReader.Read(await accepted.Content.ReadAsByteArrayAsync(), accepted.Content.Headers.ContentType?.ToString());
        Assert.Equal("SiteInfoReply", XElement.Parse(reply.Message.Body).Name.LocalName);
        Assert.Contains(host.Logs, l => l.Message.Contains("CONTOSO\\CLIENT01$", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Negotiate_scheme_gets_the_challenge_under_negotiate()
    {
        using var request = TestClient.Post(Path, SiteInformationRequest());
        request.Headers.TryAddWithoutValidation("Authorization", "Negotiate " + Convert.ToBase64String(NtlmClientMessages.Negotiate()));

        using var response = await host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Negotiate", Assert.Single(response.Headers.WwwAuthenticate).Scheme);
    }
}
