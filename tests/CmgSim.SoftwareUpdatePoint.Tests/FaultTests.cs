using System.Net;
using System.Xml.Linq;
using Microsoft.Extensions.Time.Testing;
using static CmgSim.SoftwareUpdatePoint.Tests.Wsus;

namespace CmgSim.SoftwareUpdatePoint.Tests;

public sealed class FaultTests(SupHost host) : IClassFixture<SupHost>
{
    private WsusTestClient Wsus => host.Server.Wsus;

    private static void AssertFault(SoapReply reply, string errorCode, string operation)
    {
        Assert.Equal(HttpStatusCode.InternalServerError, reply.Status);
        Assert.Equal("text/xml; charset=utf-8", reply.ContentType);
        var fault = reply.Body;
        Assert.Equal(SoapNs + "Fault", fault.Name);
        Assert.Equal(["faultcode", "faultstring", "faultactor", "detail"], fault.Elements().Select(e => e.Name.LocalName));
        Assert.All(fault.Elements(), e => Assert.Equal(XNamespace.None, e.Name.Namespace));
        Assert.Equal("soap:Client", fault.Element("faultcode")!.Value);
        Assert.Equal("Fault occurred", fault.Element("faultstring")!.Value);
        Assert.StartsWith("https://127.0.0.1:", fault.Element("faultactor")!.Value, StringComparison.Ordinal);
        var detail = fault.Element("detail")!;
        Assert.Equal(["ErrorCode", "Message", "ID", "Method"], detail.Elements().Select(e => e.Name.LocalName));
        Assert.Equal(errorCode, detail.Element("ErrorCode")!.Value);
        Assert.False(string.IsNullOrWhiteSpace(detail.Element("Message")!.Value));
        Assert.True(Guid.TryParse(detail.Element("ID")!.Value, out _));
        Assert.Equal($"\"{Action(operation)}\"", detail.Element("Method")!.Value);
    }

    [Fact]
    public async Task A_tampered_cookie_is_InvalidCookie()
    {
        var cookie = await Wsus.StartAsync("tamper", 22631);

        var length = Convert.FromBase64String(cookie.Element(Cws + "EncryptedData")!.Value).Length;
        for (var index = 0; index < length; index++)
        {
            AssertFault(await Wsus.SyncReplyAsync(WsusTestClient.Tamper(cookie, index), []), "InvalidCookie", "SyncUpdates");
        }
    }

    [Fact]
    public async Task A_missing_or_garbage_cookie_is_InvalidCookie()
    {
        AssertFault(await Wsus.ClientAsync("RegisterComputer", new XElement(Cws + "computerInfo", new XElement(Cws + "DnsName", "x"), new XElement(Cws + "OSBuildNumber", 1))), "InvalidCookie", "RegisterComputer");
        var garbage = new XElement(Cws + "cookie", new XElement(Cws + "Expiration", "2099-01-01T00:00:00Z"), new XElement(Cws + "EncryptedData", "bm90IGEgY29va2ll"));
        AssertFault(await Wsus.SyncReplyAsync(garbage, []), "InvalidCookie", "SyncUpdates");
    }

    [Fact]
    public async Task An_expired_cookie_is_CookieExpired_and_GetCookie_with_it_as_oldCookie_renews_it()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 8, 0, 0, TimeSpan.Zero));
        await using var sup = await SupServer.StartAsync(o => o.CookieLifetime = TimeSpan.FromMinutes(30), clock);
        var cookie = await sup.Wsus.StartAsync("expiring", 22631);
        Assert.Equal(HttpStatusCode.OK, (await sup.Wsus.SyncReplyAsync(cookie, [])).Status);

        clock.Advance(TimeSpan.FromMinutes(31));
        AssertFault(await sup.Wsus.SyncReplyAsync(cookie, []), "CookieExpired", "SyncUpdates");

        // Lying in the clear-text Expiration does not help: only the sealed expiry counts.
        var extended = new XElement(cookie);
        extended.Element(Cws + "Expiration")!.Value = "2099-01-01T00:00:00.000Z";
        AssertFault(await sup.Wsus.SyncReplyAsync(extended, []), "CookieExpired", "SyncUpdates");

        var renewed = await sup.Wsus.GetCookieReplyAsync(await sup.Wsus.GetAuthorizationCookieAsync("expiring"), oldCookie: cookie);
        Assert.Equal(HttpStatusCode.OK, renewed.Status);
        Assert.Equal(HttpStatusCode.OK, (await sup.Wsus.SyncReplyAsync(renewed.Body.Elements().Single(), [])).Status);
    }

    [Fact]
    public async Task SyncUpdates_before_RegisterComputer_is_RegistrationRequired()
    {
        var cookie = await Wsus.GetCookieAsync("unregistered");

        AssertFault(await Wsus.SyncReplyAsync(cookie, []), "RegistrationRequired", "SyncUpdates");

        Assert.Equal(HttpStatusCode.OK, (await Wsus.RegisterReplyAsync(cookie, 22631)).Status);
        Assert.Equal(HttpStatusCode.OK, (await Wsus.SyncReplyAsync(cookie, [])).Status);
    }

    [Fact]
    public async Task A_bad_authorization_cookie_is_InvalidAuthorizationCookie()
    {
        var good = await Wsus.GetAuthorizationCookieAsync("auth");
        var bytes = Convert.FromBase64String(good);
        bytes[^1] ^= 0x80;

        AssertFault(await Wsus.GetCookieReplyAsync(Convert.ToBase64String(bytes)), "InvalidAuthorizationCookie", "GetCookie");
        AssertFault(await Wsus.GetCookieReplyAsync("not base64!"), "InvalidAuthorizationCookie", "GetCookie");

        // A server cookie is not an authorization cookie, even though both are sealed by this server.
        var serverCookie = (await Wsus.GetCookieAsync("auth")).Element(Cws + "EncryptedData")!.Value;
        AssertFault(await Wsus.GetCookieReplyAsync(serverCookie), "InvalidAuthorizationCookie", "GetCookie");

        var none = await Wsus.ClientAsync("GetCookie", new XElement(Cws + "authCookies"), new XElement(Cws + "protocolVersion", "1.20"));
        AssertFault(none, "InvalidAuthorizationCookie", "GetCookie");
    }

    [Fact]
    public async Task An_expired_authorization_cookie_is_InvalidAuthorizationCookie()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 8, 0, 0, TimeSpan.Zero));
        await using var sup = await SupServer.StartAsync(o => o.AuthorizationCookieLifetime = TimeSpan.FromMinutes(5), clock);
        var auth = await sup.Wsus.GetAuthorizationCookieAsync("slow");

        clock.Advance(TimeSpan.FromMinutes(6));

        AssertFault(await sup.Wsus.GetCookieReplyAsync(auth), "InvalidAuthorizationCookie", "GetCookie");
    }

    [Fact]
    public async Task Malformed_parameters_are_InvalidParameters_naming_the_parameter()
    {
        var cookie = await Wsus.StartAsync("malformed", 22631);

        var register = await Wsus.RegisterReplyAsync(cookie, "twenty-two");
        AssertFault(register, "InvalidParameters", "RegisterComputer");
        Assert.Contains("OSBuildNumber", register.Body.Descendants("Message").Single().Value, StringComparison.Ordinal);

        var sync = await Wsus.ClientAsync(
            "SyncUpdates",
            WsusTestClient.Cookie(Cws, cookie),
            new XElement(Cws + "parameters", new XElement(Cws + "OtherCachedUpdateIDs", new XElement(Cws + "int", "x"))));
        AssertFault(sync, "InvalidParameters", "SyncUpdates");
        Assert.Contains("OtherCachedUpdateIDs", sync.Body.Descendants("Message").Single().Value, StringComparison.Ordinal);

        AssertFault(await Wsus.ClientAsync("SyncUpdates", WsusTestClient.Cookie(Cws, cookie)), "InvalidParameters", "SyncUpdates");

        var tooMany = await Wsus.ClientAsync(
            "GetExtendedUpdateInfo",
            WsusTestClient.Cookie(Cws, cookie),
            new XElement(Cws + "revisionIDs", Enumerable.Range(1, 51).Select(i => new XElement(Cws + "int", i))),
            new XElement(Cws + "infoTypes", new XElement(Cws + "XmlUpdateFragmentType", "Extended")));
        AssertFault(tooMany, "InvalidParameters", "GetExtendedUpdateInfo");

        AssertFault(await Wsus.GetCookieReplyAsync(await Wsus.GetAuthorizationCookieAsync("malformed"), protocolVersion: "one"), "InvalidParameters", "GetCookie");

        var noClientId = await Wsus.GetAuthorizationCookieReplyAsync(string.Empty);
        AssertFault(noClientId, "InvalidParameters", "GetAuthorizationCookie");

        var report = await Wsus.PostAsync(ReportingPath, Action("ReportEventBatch"), new XElement(Rws + "ReportEventBatch", WsusTestClient.Cookie(Rws, cookie)));
        AssertFault(report, "InvalidParameters", "ReportEventBatch");
    }

    [Fact]
    public async Task A_stale_lastChange_in_GetCookie_is_ConfigChanged()
    {
        var auth = await Wsus.GetAuthorizationCookieAsync("config");

        AssertFault(await Wsus.GetCookieReplyAsync(auth, lastChange: "2001-01-01T00:00:00.000Z"), "ConfigChanged", "GetCookie");
    }

    [Fact]
    public async Task A_cookie_from_another_server_is_ServerChanged()
    {
        await using var other = await SupServer.StartAsync();
        var foreign = await other.Wsus.StartAsync("roamer", 22631);

        AssertFault(await Wsus.SyncReplyAsync(foreign, []), "ServerChanged", "SyncUpdates");
        AssertFault(await Wsus.GetCookieReplyAsync(await Wsus.GetAuthorizationCookieAsync("roamer"), oldCookie: foreign), "ServerChanged", "GetCookie");
    }
}
