using System.IO.Compression;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Text;
using System.Xml.Linq;
using CmgSim.ManagementPoint.Policy;
using CmgSim.ManagementPoint.SiteDatabase;
using CmgSim.Messaging;
using CmgSim.Messaging.Policy;
using CmgSim.Messaging.Signing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CmgSim.ManagementPoint.Tests.Policy;

internal static class PolicyTestSteps
{
    public static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    public static async Task<string> RegisterAsync(HttpClient http, TestClient client)
    {
        using var request = TestClient.Post("/ccm_system/request", client.Registration(null));
        using var response = await http.SendAsync(request);
        var reply = CcmMessageReader.Read(await response.Content.ReadAsByteArrayAsync(), response.Content.Headers.ContentType?.ToString());
        return (string)XElement.Parse(reply.Message.Body).Attribute("SMSID")!;
    }

    public static string RequestAssignmentsBody(string smsId) =>
        $"<RequestAssignments SchemaVersion=\"1.00\" ACK=\"false\" RequestType=\"Always\"><Identification><Machine><ClientID>{smsId}</ClientID><FQDN>client01.contoso.com</FQDN><NetBIOSName>CLIENT01</NetBIOSName><SID/></Machine><User/></Identification><PolicySource>SMS:PRI</PolicySource><Resource ResourceType=\"Machine\"/><ServerCookie/></RequestAssignments>";

    /// <summary>The raw reply body (so CDATA can be asserted), or null for an empty 200.</summary>
    public static async Task<string?> RequestAssignmentsAsync(HttpClient http, TestClient client, string smsId)
    {
        var body = CcmSigner.WriteSigned(TestClient.Header("MP_PolicyManager"), RequestAssignmentsBody(smsId), client.Key, smsId, client.NetbiosName);
        using var request = TestClient.Post("/ccm_system/request", body);
        using var response = await http.SendAsync(request);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        return bytes.Length == 0 ? null : CcmMessageReader.Read(bytes, response.Content.Headers.ContentType?.ToString()).Message.Body;
    }

    public static string LocationPath(XElement policy) =>
        policy.Element("PolicyLocation")!.Value.Replace("http://<mp>", string.Empty, StringComparison.Ordinal);

    public static async Task<HttpResponseMessage> GetAsync(HttpClient http, string path, IEnumerable<KeyValuePair<string, string>>? headers = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        foreach (var header in headers ?? [])
        {
            request.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        return await http.SendAsync(request);
    }

    public static XElement Decrypt(byte[] envelope, RSA key, out string contentCipherOid)
    {
        var cms = new EnvelopedCms();
        cms.Decode(envelope);
        contentCipherOid = cms.ContentEncryptionAlgorithm.Oid.Value!;
        Assert.Equal(SubjectIdentifierType.SubjectKeyIdentifier, cms.RecipientInfos[0].RecipientIdentifier.Type);
        cms.Decrypt(cms.RecipientInfos[0], key);
        return XElement.Parse(Encoding.Unicode.GetString(cms.ContentInfo.Content).TrimStart('\uFEFF'));
    }

    public static string SecretValue(XElement policy, string className, string property) =>
        PolicySecretObfuscation.Deobfuscate(policy.Descendants("instance").Single(i => (string?)i.Attribute("class") == className)
            .Elements("property").Single(p => (string?)p.Attribute("name") == property).Element("value")!.Value);
}

public sealed class PolicyTests(PolicyHost host) : IClassFixture<PolicyHost>
{
    private async Task<(TestClient Client, string SmsId, XElement Reply)> RegisteredWithAssignmentsAsync()
    {
        var client = new TestClient();
        var smsId = await PolicyTestSteps.RegisterAsync(host.Client, client);
        var reply = await PolicyTestSteps.RequestAssignmentsAsync(host.Client, client, smsId);
        return (client, smsId, XElement.Parse(reply!));
    }

    private static XElement Policy(XElement reply, string category) =>
        reply.Descendants("Policy").Single(p => (string?)p.Attribute("PolicyCategory") == category);

    [Fact]
    public async Task RequestAssignments_returns_the_catalog_with_cdata_locations_and_flags()
    {
        using var client = new TestClient();
        var smsId = await PolicyTestSteps.RegisterAsync(host.Client, client);

        var raw = await PolicyTestSteps.RequestAssignmentsAsync(host.Client, client, smsId);

        Assert.NotNull(raw);
        var reply = XElement.Parse(raw);
        Assert.Equal("ReplyAssignments", reply.Name.LocalName);
        Assert.Equal("Full", (string?)reply.Attribute("ReplyType"));
        Assert.Equal(smsId, reply.Element("Identification")!.Descendants("ClientID").Single().Value);
        Assert.Equal("SMS:PS1", reply.Element("PolicySource")!.Value);
        Assert.Equal(
            ["ClientAgentConfig", "MachineSettings", "NAAConfig", "CollectionSettings", "SoftwareUpdateDeployment"],
            reply.Elements("PolicyAssignment").Select(a => (string)a.Element("Policy")!.Attribute("PolicyCategory")!));
        Assert.All(reply.Elements("PolicyAssignment"), a => Assert.Matches("^\\{[0-9a-f-]{36}\\}$", (string)a.Attribute("PolicyAssignmentID")!));

        // The regex sccmwtf/sccmhunter use: the category followed by the CDATA with the literal <mp>.
        Assert.Matches("PolicyCategory=\"NAAConfig\".*?<!\\[CDATA\\[http://<mp>/SMS_MP/\\.sms_pol\\?\\{[0-9a-f-]{36}\\}\\.3_00\\]\\]>", raw);
        Assert.Equal("22", (string?)Policy(reply, "NAAConfig").Attribute("PolicyFlags"));
        Assert.Equal("6", (string?)Policy(reply, "CollectionSettings").Attribute("PolicyFlags"));
        Assert.Equal("0", (string?)Policy(reply, "MachineSettings").Attribute("PolicyFlags"));
        Assert.All(reply.Descendants("PolicyLocation"), l => Assert.Matches("^SHA256:[0-9A-F]{64}$", (string)l.Attribute("PolicyHash")!));
    }

    [Fact]
    public async Task Unsigned_RequestAssignments_gets_an_empty_200()
    {
        var message = CcmMessage.Create(TestClient.Header("MP_PolicyManager"), PolicyTestSteps.RequestAssignmentsBody("GUID:" + Guid.NewGuid().ToString().ToUpperInvariant()));
        using var request = TestClient.Post("/ccm_system/request", CcmMessageWriter.Write(message));

        using var response = await host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(0, response.Content.Headers.ContentLength);
    }

    [Fact]
    public async Task A_plain_policy_downloads_as_utf16_xml_matching_its_hash_and_unknown_is_404()
    {
        var (client, _, reply) = await RegisteredWithAssignmentsAsync();
        using var _c = client;
        var policy = Policy(reply, "ClientAgentConfig");

        using var response = await PolicyTestSteps.GetAsync(host.Client, PolicyTestSteps.LocationPath(policy));
        using var unknown = await PolicyTestSteps.GetAsync(host.Client, "/SMS_MP/.sms_pol?{00000000-0000-0000-0000-000000000000}.1_00");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal("SHA256:" + Convert.ToHexString(SHA256.HashData(body)), (string?)policy.Element("PolicyLocation")!.Attribute("PolicyHash"));
        var xml = XElement.Parse(Encoding.Unicode.GetString(body).TrimStart('\uFEFF'));
        Assert.Equal((string?)policy.Attribute("PolicyID"), (string?)xml.Attribute("PolicyID"));
        Assert.Contains(xml.Descendants("instance"), i => (string?)i.Attribute("class") == "CCM_PolicyAgent_Configuration");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task A_secret_policy_without_auth_headers_gets_the_html_page()
    {
        var (client, _, reply) = await RegisteredWithAssignmentsAsync();
        using var _c = client;

        using var response = await PolicyTestSteps.GetAsync(host.Client, PolicyTestSteps.LocationPath(Policy(reply, "NAAConfig")));

        Assert.StartsWith("<HTML>", Encoding.ASCII.GetString(await response.Content.ReadAsByteArrayAsync()), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task ClientToken_headers_get_the_naa_policy_in_3des_cms_to_the_client_key()
    {
        var (client, smsId, reply) = await RegisteredWithAssignmentsAsync();
        using var _c = client;

        using var response = await PolicyTestSteps.GetAsync(host.Client, PolicyTestSteps.LocationPath(Policy(reply, "NAAConfig")), PolicyAuthHeaders.ClientTokenHeaders(client.Key, smsId, PolicyTestSteps.Now));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var policy = PolicyTestSteps.Decrypt(await response.Content.ReadAsByteArrayAsync(), client.Key, out var cipher);
        Assert.Equal("1.2.840.113549.3.7", cipher);
        Assert.Equal(@"CONTOSO\svc-cm-naa", PolicyTestSteps.SecretValue(policy, "CCM_NetworkAccessAccount", "NetworkAccessUsername"));
        Assert.Equal("Lab-NAA-Passw0rd!", PolicyTestSteps.SecretValue(policy, "CCM_NetworkAccessAccount", "NetworkAccessPassword"));
    }

    [Fact]
    public async Task CcmClientId_headers_get_collection_variables()
    {
        var (client, smsId, reply) = await RegisteredWithAssignmentsAsync();
        using var _c = client;

        using var response = await PolicyTestSteps.GetAsync(host.Client, PolicyTestSteps.LocationPath(Policy(reply, "CollectionSettings")), PolicyAuthHeaders.CcmClientIdHeaders(client.Key, smsId, PolicyTestSteps.Now));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var policy = PolicyTestSteps.Decrypt(await response.Content.ReadAsByteArrayAsync(), client.Key, out _);
        var hex = policy.Descendants("property").Single(p => (string?)p.Attribute("name") == "CollectionSettingsXML").Element("value")!.Value;
        using var zlib = new ZLibStream(new MemoryStream(Convert.FromHexString(hex)), CompressionMode.Decompress);
        using var text = new StreamReader(zlib, Encoding.Unicode);
        var nested = XElement.Parse(await text.ReadToEndAsync());
        var variable = nested.Elements("instance").Single(i => i.Elements("property").Any(p => p.Element("value")!.Value == "OSDJoinPassword"));
        Assert.Equal("Lab-Join-Passw0rd!", PolicySecretObfuscation.Deobfuscate(variable.Elements("property").Single(p => (string?)p.Attribute("name") == "Value").Element("value")!.Value));
    }

    [Fact]
    public async Task Bad_signature_unknown_and_unapproved_clients_get_the_html_page()
    {
        var (client, smsId, reply) = await RegisteredWithAssignmentsAsync();
        using var _c = client;
        using var stranger = new TestClient();
        var path = PolicyTestSteps.LocationPath(Policy(reply, "NAAConfig"));
        var forged = PolicyAuthHeaders.ClientTokenHeaders(stranger.Key, smsId, PolicyTestSteps.Now);
        var unknown = PolicyAuthHeaders.ClientTokenHeaders(stranger.Key, "GUID:" + Guid.NewGuid().ToString().ToUpperInvariant(), PolicyTestSteps.Now);
        var tampered = PolicyAuthHeaders.CcmClientIdHeaders(client.Key, smsId, PolicyTestSteps.Now).Select(h => h.Key == PolicyAuthHeaders.CcmClientTimestamp ? new KeyValuePair<string, string>(h.Key, "2030-01-01T00:00:00Z") : h).ToList();

        var unapprovedClient = new TestClient("CLIENT02");
        using var _u = unapprovedClient;
        var unapprovedId = await PolicyTestSteps.RegisterAsync(host.Client, unapprovedClient);
        var database = host.Services.GetRequiredService<SiteDatabaseStore>();
        database.Upsert(database.FindBySmsId(unapprovedId)! with { ApprovalStatus = RegistrationApprovalStatus.NotApproved });
        var unapproved = PolicyAuthHeaders.ClientTokenHeaders(unapprovedClient.Key, unapprovedId, PolicyTestSteps.Now);

        foreach (var headers in new[] { forged, unknown, tampered, unapproved })
        {
            using var response = await PolicyTestSteps.GetAsync(host.Client, path, headers);
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.StartsWith("<HTML>", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_catalog_is_deterministic_for_a_seed()
    {
        static PolicyCatalog Build(int seed) => new(Options.Create(new PolicyOptions { CatalogSeed = seed }), Options.Create(new ManagementPointOptions()));

        var first = Build(7).Policies;
        var second = Build(7).Policies;
        var other = Build(8).Policies;

        Assert.Equal(first.Select(p => (p.PolicyId, p.Version, p.Hash)), second.Select(p => (p.PolicyId, p.Version, p.Hash)));
        Assert.NotEqual(first[0].PolicyId, other[0].PolicyId);
    }
}

public sealed class Aes256PolicyTests(Aes256PolicyHost host) : IClassFixture<Aes256PolicyHost>
{
    [Fact]
    public async Task The_aes256_oaep_option_still_decrypts_to_the_naa_credentials()
    {
        using var client = new TestClient();
        var smsId = await PolicyTestSteps.RegisterAsync(host.Client, client);
        var reply = XElement.Parse((await PolicyTestSteps.RequestAssignmentsAsync(host.Client, client, smsId))!);
        var naa = reply.Descendants("Policy").Single(p => (string?)p.Attribute("PolicyCategory") == "NAAConfig");

        using var response = await PolicyTestSteps.GetAsync(host.Client, PolicyTestSteps.LocationPath(naa), PolicyAuthHeaders.ClientTokenHeaders(client.Key, smsId, PolicyTestSteps.Now));

        var cms = new EnvelopedCms();
        cms.Decode(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal("1.2.840.113549.1.1.7", ((KeyTransRecipientInfo)cms.RecipientInfos[0]).KeyEncryptionAlgorithm.Oid.Value);
        var policy = PolicyTestSteps.Decrypt(await response.Content.ReadAsByteArrayAsync(), client.Key, out var cipher);
        Assert.Equal("2.16.840.1.101.3.4.1.42", cipher);
        Assert.Equal("Lab-NAA-Passw0rd!", PolicyTestSteps.SecretValue(policy, "CCM_NetworkAccessAccount", "NetworkAccessPassword"));
        var blob = Convert.FromHexString(policy.Descendants("property").Single(p => (string?)p.Attribute("name") == "NetworkAccessPassword").Element("value")!.Value);
        Assert.Equal(0x8A, blob[0]);
    }
}

public sealed class PolicySecretObfuscationTests
{
    private static readonly byte[] Seed = [.. Enumerable.Range(1, PolicySecretObfuscation.SeedLength).Select(i => (byte)i)];

    [Theory]
    [InlineData(PolicySecretCipher.TripleDes, 0x89, 8)]
    [InlineData(PolicySecretCipher.Aes256, 0x8A, 16)]
    public void Obfuscation_round_trips_with_the_documented_layout(PolicySecretCipher cipher, byte marker, int blockSize)
    {
        var blob = PolicySecretObfuscation.Obfuscate("P@ssw0rd", Seed, cipher);

        Assert.Equal(marker, blob[0]);
        Assert.Equal(0x13, blob[1]);
        Assert.Equal(Seed, blob[4..44]);
        Assert.Equal(16, BitConverter.ToInt32(blob, 48));
        Assert.Equal(blob.Length - 64, BitConverter.ToInt32(blob, 52));
        Assert.Equal(0, (blob.Length - 64) % blockSize);
        Assert.Equal((int)cipher, BitConverter.ToInt32(blob, 56));
        Assert.Equal("P@ssw0rd", PolicySecretObfuscation.Deobfuscate(Convert.ToHexString(blob)));
    }

    [Fact]
    public void The_public_sccmwtf_sample_decrypts_with_valid_padding()
    {
        // The blob in sccmwtf's policysecretunobfuscate.py: a product-made 3DES blob with a 32-byte plaintext.
        const string sample = "89130000703994099597edb7733621248D4f9d474995679d1b487564356e34e63fee0855f34044f494e49a7b140000002000000028000000036600000000000015893849fa928387d5c783fa23676ed8da6ab4275a31d653f3f5db6df860521b9b33ab0cf12669f1";

        var plaintext = PolicySecretObfuscation.Deobfuscate(Convert.FromHexString(sample));

        Assert.Equal(32, plaintext.Length);
    }

    [Fact]
    public void A_short_blob_is_a_format_error() =>
        Assert.Throws<FormatException>(() => PolicySecretObfuscation.Deobfuscate(new byte[10]));
}
