using System.Globalization;
using System.Net;
using System.Text;
using System.Xml.Linq;

namespace CmgSim.SoftwareUpdatePoint.Tests;

/// <summary>A reply: HTTP status, the document, and the soap:Body's first element (response or soap:Fault).</summary>
public sealed record SoapReply(HttpStatusCode Status, string ContentType, XDocument Document)
{
    public XElement Body => Document.Root!.Element(Wsus.SoapNs + "Body")!.Elements().First();

    /// <summary>detail/ErrorCode of an [MS-WUSP] fault, or null.</summary>
    public string? ErrorCode => Body.Name == Wsus.SoapNs + "Fault" ? Body.Element("detail")?.Element("ErrorCode")?.Value : null;
}

/// <summary>Namespaces and actions spelled out independently of the product code, so the tests check the wire strings.</summary>
public static class Wsus
{
    public static readonly XNamespace SoapNs = "http://schemas.xmlsoap.org/soap/envelope/";
    public static readonly XNamespace Cws = "http://www.microsoft.com/SoftwareDistribution/Server/ClientWebService";
    public static readonly XNamespace Sas = "http://www.microsoft.com/SoftwareDistribution/Server/SimpleAuthWebService";
    public static readonly XNamespace Rws = "http://www.microsoft.com/SoftwareDistribution";

    public const string ClientPath = "/ClientWebService/client.asmx";
    public const string AuthPath = "/SimpleAuthWebService/SimpleAuth.asmx";
    public const string ReportingPath = "/ReportingWebService/ReportingWebService.asmx";

    public static string Action(string operation) => operation switch
    {
        "GetAuthorizationCookie" => "http://www.microsoft.com/SoftwareDistribution/Server/SimpleAuthWebService/GetAuthorizationCookie",
        "ReportEventBatch" => "http://www.microsoft.com/SoftwareDistribution/ReportEventBatch",
        _ => "http://www.microsoft.com/SoftwareDistribution/Server/ClientWebService/" + operation,
    };
}

/// <summary>Raw SOAP calls for the tests, plus shortcuts for the start of the chain.</summary>
public sealed class WsusTestClient(HttpClient http)
{
    public async Task<SoapReply> PostAsync(string path, string? action, XElement operation)
    {
        var envelope = new XElement(Wsus.SoapNs + "Envelope", new XElement(Wsus.SoapNs + "Body", operation));
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StringContent(envelope.ToString(), Encoding.UTF8, "text/xml"),
        };
        if (action is not null)
        {
            request.Headers.TryAddWithoutValidation("SOAPAction", $"\"{action}\"");
        }

        using var response = await http.SendAsync(request);
        return new SoapReply(response.StatusCode, response.Content.Headers.ContentType!.ToString(), XDocument.Parse(await response.Content.ReadAsStringAsync()));
    }

    public Task<SoapReply> ClientAsync(string operation, params object[] content) =>
        PostAsync(Wsus.ClientPath, Wsus.Action(operation), new XElement(Wsus.Cws + operation, content));

    public async Task<SoapReply> GetAuthorizationCookieReplyAsync(string clientId) =>
        await PostAsync(Wsus.AuthPath, Wsus.Action("GetAuthorizationCookie"), new XElement(
            Wsus.Sas + "GetAuthorizationCookie",
            new XElement(Wsus.Sas + "clientId", clientId),
            new XElement(Wsus.Sas + "targetGroupName", string.Empty),
            new XElement(Wsus.Sas + "dnsName", clientId + ".contoso.com")));

    public async Task<string> GetAuthorizationCookieAsync(string clientId)
    {
        var reply = await GetAuthorizationCookieReplyAsync(clientId);
        Assert.Equal(HttpStatusCode.OK, reply.Status);
        return reply.Body.Descendants(Wsus.Sas + "CookieData").Single().Value;
    }

    public Task<SoapReply> GetCookieReplyAsync(string authCookie, string? lastChange = null, string protocolVersion = "1.20", XElement? oldCookie = null) =>
        ClientAsync(
            "GetCookie",
            new XElement(Wsus.Cws + "authCookies", new XElement(
                Wsus.Cws + "AuthorizationCookie",
                new XElement(Wsus.Cws + "PlugInId", "SimpleTargeting"),
                new XElement(Wsus.Cws + "CookieData", authCookie))),
            oldCookie is null ? new XElement(Wsus.Cws + "oldCookie") : Cookie(Wsus.Cws, oldCookie, "oldCookie"),
            new XElement(Wsus.Cws + "lastChange", lastChange),
            new XElement(Wsus.Cws + "currentTime", "2026-01-01T00:00:00Z"),
            new XElement(Wsus.Cws + "protocolVersion", protocolVersion));

    /// <summary>GetAuthorizationCookie → GetCookie; the <c>GetCookieResult</c> element is the cookie.</summary>
    public async Task<XElement> GetCookieAsync(string clientId)
    {
        var reply = await GetCookieReplyAsync(await GetAuthorizationCookieAsync(clientId));
        Assert.True(reply.Status == HttpStatusCode.OK, reply.Document.ToString());
        return reply.Body.Element(Wsus.Cws + "GetCookieResult")!;
    }

    public Task<SoapReply> RegisterReplyAsync(XElement cookie, object osBuild, string dnsName = "client.contoso.com") =>
        ClientAsync(
            "RegisterComputer",
            Cookie(Wsus.Cws, cookie),
            new XElement(
                Wsus.Cws + "computerInfo",
                new XElement(Wsus.Cws + "DnsName", dnsName),
                new XElement(Wsus.Cws + "OSMajorVersion", 10),
                new XElement(Wsus.Cws + "OSMinorVersion", 0),
                new XElement(Wsus.Cws + "OSBuildNumber", osBuild),
                new XElement(Wsus.Cws + "ProcessorArchitecture", "X64Based")));

    /// <summary>Cookie and registration for a new client id.</summary>
    public async Task<XElement> StartAsync(string clientId, int osBuild)
    {
        var cookie = await GetCookieAsync(clientId);
        var reply = await RegisterReplyAsync(cookie, osBuild);
        Assert.True(reply.Status == HttpStatusCode.OK, reply.Document.ToString());
        return cookie;
    }

    public Task<SoapReply> SyncReplyAsync(XElement cookie, IEnumerable<int> cached, IEnumerable<int>? installed = null) =>
        ClientAsync(
            "SyncUpdates",
            Cookie(Wsus.Cws, cookie),
            new XElement(
                Wsus.Cws + "parameters",
                new XElement(Wsus.Cws + "ExpressQuery", "false"),
                new XElement(Wsus.Cws + "InstalledNonLeafUpdateIDs", (installed ?? []).Select(id => new XElement(Wsus.Cws + "int", id))),
                new XElement(Wsus.Cws + "OtherCachedUpdateIDs", cached.Select(id => new XElement(Wsus.Cws + "int", id))),
                new XElement(Wsus.Cws + "SkipSoftwareSync", "false"),
                new XElement(Wsus.Cws + "NeedTwoGroupOutOfScopeUpdates", "true")));

    /// <summary>SyncUpdates until not Truncated, like WUA; returns every page's result element.</summary>
    public async Task<List<XElement>> SyncAllAsync(XElement cookie, int maxPages = 50)
    {
        var pages = new List<XElement>();
        var cached = new List<int>();
        for (var i = 0; i < maxPages; i++)
        {
            var reply = await SyncReplyAsync(cookie, cached);
            Assert.True(reply.Status == HttpStatusCode.OK, reply.Document.ToString());
            var result = reply.Body.Element(Wsus.Cws + "SyncUpdatesResult")!;
            pages.Add(result);
            cached.AddRange(RevisionIds(result));
            cookie = result.Element(Wsus.Cws + "NewCookie")!;
            if (result.Element(Wsus.Cws + "Truncated")!.Value == "false")
            {
                return pages;
            }
        }

        throw new InvalidOperationException("Still truncated after " + maxPages + " pages.");
    }

    public static List<int> RevisionIds(XElement syncResult) =>
        syncResult.Element(Wsus.Cws + "NewUpdates")!.Elements(Wsus.Cws + "UpdateInfo")
            .Select(u => int.Parse(u.Element(Wsus.Cws + "ID")!.Value, CultureInfo.InvariantCulture)).ToList();

    /// <summary>A cookie re-sent under another name/namespace, as WUA does per service.</summary>
    public static XElement Cookie(XNamespace ns, XElement cookie, string name = "cookie") => new(
        ns + name,
        new XElement(ns + "Expiration", cookie.Elements().Single(e => e.Name.LocalName == "Expiration").Value),
        new XElement(ns + "EncryptedData", cookie.Elements().Single(e => e.Name.LocalName == "EncryptedData").Value));

    /// <summary>The cookie with one byte of its sealed data flipped.</summary>
    public static XElement Tamper(XElement cookie, int index = 40)
    {
        var data = Convert.FromBase64String(cookie.Elements().Single(e => e.Name.LocalName == "EncryptedData").Value);
        data[index % data.Length] ^= 0x01;
        var copy = new XElement(cookie);
        copy.Elements().Single(e => e.Name.LocalName == "EncryptedData").Value = Convert.ToBase64String(data);
        return copy;
    }
}
