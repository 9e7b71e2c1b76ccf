using System.Net;
using System.Xml.Linq;
using CmgSim.Identity.SiteTokens;
using CmgSim.Messaging;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace CmgSim.ManagementPoint.Tests;

public sealed class RegistrationTests(ManagementPointHost host) : IClassFixture<ManagementPointHost>
{
    private async Task<XElement?> RegisterAsync(TestClient client, string? smsId, string path = "/ccm_system/request", HttpClient? http = null)
    {
        using var request = TestClient.Post(path, client.Registration(smsId));
        if (path.Contains("tokenauth", StringComparison.Ordinal))
        {
            request.Headers.Authorization = new("Bearer", host.CcmToken(CcmTokenType.Device, deviceId: Guid.NewGuid()));
        }

        if (path.Contains("windowsauth", StringComparison.Ordinal))
        {
            request.Headers.TryAddWithoutValidation("Authorization", "NTLM " + Convert.ToBase64String(NtlmClientMessages.Authenticate("CONTOSO", "CLIENT01$", "CLIENT01")));
        }

        using var response = await (http ?? host.Client).SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        if (bytes.Length == 0)
        {
            return null;
        }

        return XElement.Parse(CcmMessageReader.Read(bytes, response.Content.Headers.ContentType?.ToString()).Message.Body);
    }

    private (string SmsId, int Approval, string Via, int Count)[] Rows(string? smsId = null)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = host.DatabasePath, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT SmsId, ApprovalStatus, RegisteredVia, RegistrationCount FROM Clients WHERE $id IS NULL OR SmsId = $id";
        command.Parameters.AddWithValue("$id", (object?)smsId ?? DBNull.Value);
        using var reader = command.ExecuteReader();
        var rows = new List<(string, int, string, int)>();
        while (reader.Read())
        {
            rows.Add((reader.GetString(0), reader.GetInt32(1), reader.GetString(2), reader.GetInt32(3)));
        }

        return [.. rows];
    }

    [Fact]
    public async Task Empty_smsid_gets_an_assigned_one_and_the_row_is_committed_before_the_reply()
    {
        using var client = new TestClient();

        var reply = await RegisterAsync(client, smsId: null);

        Assert.NotNull(reply);
        Assert.Equal("ClientRegistrationResponse", reply.Name.LocalName);
        var smsId = (string)reply.Attribute("SMSID")!;
        Assert.Matches("^GUID:00000000-0000-0000-0000-0000000000[0-9]{2}$", smsId);
        Assert.Equal("0", (string?)reply.Attribute("ApprovalStatus"));
        var row = Assert.Single(Rows(smsId));
        Assert.Equal((0, "Anonymous", 1), (row.Approval, row.Via, row.Count));
    }

    [Fact]
    public async Task Proposed_smsid_is_kept_and_re_registration_is_idempotent()
    {
        using var client = new TestClient();
        var proposed = "GUID:" + Guid.NewGuid().ToString().ToUpperInvariant();

        var first = await RegisterAsync(client, proposed.ToLowerInvariant().Replace("guid:", "GUID:", StringComparison.Ordinal));
        var second = await RegisterAsync(client, proposed);
        var third = await RegisterAsync(client, smsId: null);

        Assert.Equal(proposed, (string?)first!.Attribute("SMSID"));
        Assert.Equal(proposed, (string?)second!.Attribute("SMSID"));
        Assert.Equal(proposed, (string?)third!.Attribute("SMSID"));
        Assert.Equal(3, Assert.Single(Rows(proposed)).Count);
    }

    [Theory]
    [InlineData("/ccm_system/request", false, "0", "Anonymous")]
    [InlineData("/ccm_system/request", true, "1", "Anonymous")]
    [InlineData("/ccm_system_windowsauth/request", false, "1", "WindowsAuth")]
    [InlineData("/ccm_system_altauth/request", false, "1", "AltAuth")]
    [InlineData("/ccm_system_tokenauth/request", false, "3", "TokenAuth")]
    public async Task Approval_follows_the_path(string path, bool presentCertificate, string expectedStatus, string expectedVia)
    {
        using var client = new TestClient();
        using var http = presentCertificate ? host.CreateClient(client.Certificate) : null;

        var reply = await RegisterAsync(client, smsId: null, path, http);

        Assert.Equal(expectedStatus, (string?)reply!.Attribute("ApprovalStatus"));
        var row = Assert.Single(Rows((string)reply.Attribute("SMSID")!));
        Assert.Equal(int.Parse(expectedStatus, System.Globalization.CultureInfo.InvariantCulture), row.Approval);
        Assert.Equal(expectedVia, row.Via);
    }

    [Fact]
    public async Task Re_registration_does_not_withdraw_an_approval()
    {
        using var client = new TestClient();
        var approved = await RegisterAsync(client, null, "/ccm_system_altauth/request");
        var smsId = (string)approved!.Attribute("SMSID")!;

        var again = await RegisterAsync(client, smsId);

        Assert.Equal("1", (string?)again!.Attribute("ApprovalStatus"));
    }

    [Fact]
    public async Task Bad_registration_signature_gets_an_empty_200_and_a_log_line()
    {
        using var client = new TestClient();
        var body = client.Registration(null);
        var envelope = CcmMessageReader.Read(body, null);
        var forged = envelope.Message.Body.Replace("CLIENT01", "EVIL0001", StringComparison.Ordinal);
        using var request = TestClient.Post("/ccm_system/request", CcmMessageWriter.Write(CcmMessage.Create(envelope.Header, forged)));

        using var response = await host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(0, response.Content.Headers.ContentLength);
        Assert.Contains(host.Logs, l => l.Category == ManagementPointLogCategories.Registration && l.Level == LogLevel.Warning
            && l.Message.Contains("<SignatureValue> does not verify", StringComparison.Ordinal));
        Assert.DoesNotContain(Rows(), r => r.SmsId.Length == 0);
    }
}
