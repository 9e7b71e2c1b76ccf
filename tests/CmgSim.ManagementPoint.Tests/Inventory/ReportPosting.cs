using System.Net;
using System.Text;
using System.Xml.Linq;
using CmgSim.Messaging;
using CmgSim.Messaging.Registration;
using Microsoft.Data.Sqlite;

namespace CmgSim.ManagementPoint.Tests.Inventory;

/// <summary>Registers a client, posts signed asynchronous reports, and reads the site database read-only.</summary>
internal static class ReportPosting
{
    public static async Task<string> RegisterAsync(ManagementPointHost host, TestClient client)
    {
        using var request = TestClient.Post("/ccm_system/request", client.Registration(null));
        using var response = await host.Client.SendAsync(request);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        return ClientRegistrationBody.ReadSmsId(CcmMessageReader.Read(bytes, response.Content.Headers.ContentType?.ToString()).Message.Body)!;
    }

    public static MsgHeader Header(string endpoint, string? id = null) => TestClient.Header(endpoint, "ASync") with
    {
        Id = id ?? "{" + Guid.NewGuid().ToString().ToUpperInvariant() + "}",
    };

    /// <returns>The reply body (the acknowledgement), or null for an empty 200.</returns>
    public static async Task<XElement?> PostAsync(ManagementPointHost host, byte[] body)
    {
        using var request = TestClient.Post("/ccm_system/request", body);
        using var response = await host.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        return bytes.Length == 0 ? null : XElement.Parse(CcmMessageReader.Read(bytes, response.Content.Headers.ContentType?.ToString()).Message.Body);
    }

    public static string Report(string smsId, string content, string type, string actionId, string body) =>
        $"<Report><ReportHeader><Identification><Machine><ClientInstalled>1</ClientInstalled><ClientType>1</ClientType><ClientID>{smsId}</ClientID>"
        + "<ClientVersion>5.00.9132.1000</ClientVersion><NetBIOSName>CLIENT01</NetBIOSName><CodePage>437</CodePage><SystemDefaultLCID>1033</SystemDefaultLCID><Priority/></Machine></Identification>"
        + $"<ReportDetails><ReportContent>{content}</ReportContent><ReportType>{type}</ReportType><Date>20260101120000.000000+000</Date><Version>1.0</Version><Format>1.1</Format></ReportDetails>"
        + $"<InventoryAction ActionType=\"Predefined\"><InventoryActionID>{actionId}</InventoryActionID><Description>x</Description></InventoryAction></ReportHeader><ReportBody>{body}</ReportBody></Report>";

    public static string Instance(string @class, string properties, string content = "New") =>
        $"<Instance Content=\"{content}\" Namespace=\"\\\\CLIENT01\\root\\cimv2\" Class=\"{@class}\" ParentClass=\"{@class}\"><{@class}>{properties}</{@class}></Instance>";

    public static long Scalar(ManagementPointHost host, string sql, params (string Name, object Value)[] parameters)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = host.DatabasePath, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public static string Text(ManagementPointHost host, string sql, params (string Name, object Value)[] parameters)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = host.DatabasePath, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return (string)command.ExecuteScalar()!;
    }

    /// <summary>UTF-16LE + NUL + CRLF, as sccmhunter packs each report of a DDR.</summary>
    public static byte[] Utf16Chunk(string xml) => [.. Encoding.Unicode.GetBytes(xml), 0, 0, (byte)'\r', (byte)'\n'];
}
