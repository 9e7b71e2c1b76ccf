using System.Globalization;
using System.Net;
using System.Xml.Linq;
using CmgSim.SoftwareUpdatePoint.Catalog;
using CmgSim.SoftwareUpdatePoint.Reporting;
using Microsoft.Extensions.DependencyInjection;
using static CmgSim.SoftwareUpdatePoint.Tests.Wsus;

namespace CmgSim.SoftwareUpdatePoint.Tests;

public sealed class ScanSequenceTests(SupHost host) : IClassFixture<SupHost>
{
    private UpdateCatalog Catalog => host.Server.Services.GetRequiredService<UpdateCatalog>();

    [Fact]
    public async Task Paging_returns_every_applicable_update_once_over_several_truncated_pages()
    {
        await using var sup = await SupServer.StartAsync(o => o.SyncPageSize = 4);
        var cookie = await sup.Wsus.StartAsync("paging-client", 22631);

        var pages = await sup.Wsus.SyncAllAsync(cookie);

        var expected = sup.Services.GetRequiredService<UpdateCatalog>().ApplicableTo(22631, excludeSuperseded: true).Select(r => r.RevisionId).ToList();
        var received = pages.SelectMany(WsusTestClient.RevisionIds).ToList();
        Assert.True(pages.Count >= 3, $"{pages.Count} page(s) for {expected.Count} updates");
        Assert.Equal(expected.Count, received.Distinct().Count());
        Assert.Equal(received.Count, received.Distinct().Count());
        Assert.Equal(expected.Order(), received.Order());
        Assert.All(pages, p => Assert.True(WsusTestClient.RevisionIds(p).Count <= 4));
        Assert.All(pages[..^1], p => Assert.Equal("true", p.Element(Cws + "Truncated")!.Value));
        Assert.Equal("false", pages[^1].Element(Cws + "Truncated")!.Value);
    }

    [Fact]
    public async Task Each_page_carries_a_new_cookie_that_works_for_the_next_call()
    {
        var cookie = await host.Server.Wsus.StartAsync("cookie-chain", 19045);
        var first = await host.Server.Wsus.SyncReplyAsync(cookie, []);
        var newCookie = first.Body.Descendants(Cws + "NewCookie").Single();

        var second = await host.Server.Wsus.SyncReplyAsync(newCookie, WsusTestClient.RevisionIds(first.Body.Element(Cws + "SyncUpdatesResult")!));

        Assert.Equal(HttpStatusCode.OK, second.Status);
        Assert.NotEqual(cookie.Element(Cws + "EncryptedData")!.Value, newCookie.Element(Cws + "EncryptedData")!.Value);
    }

    [Fact]
    public async Task Computers_with_different_builds_get_different_applicable_sets()
    {
        var oldServer = await host.Server.Wsus.SyncAllAsync(await host.Server.Wsus.StartAsync("server-2019", 17763));
        var win11 = await host.Server.Wsus.SyncAllAsync(await host.Server.Wsus.StartAsync("win11-24h2", 26100));

        var a = oldServer.SelectMany(WsusTestClient.RevisionIds).ToHashSet();
        var b = win11.SelectMany(WsusTestClient.RevisionIds).ToHashSet();
        Assert.False(a.SetEquals(b));
        Assert.All(a, id => Assert.True(Catalog.Find(id)!.AppliesTo(17763)));
        Assert.All(b, id => Assert.True(Catalog.Find(id)!.AppliesTo(26100)));
        // Definition updates apply everywhere, so both see them.
        Assert.NotEmpty(a.Intersect(b));

        // The core XML states the same window as ApplicabilityRules.
        var update = oldServer[0].Descendants(Cws + "UpdateInfo").First();
        var core = XElement.Parse("<r>" + update.Element(Cws + "Xml")!.Value + "</r>");
        var bounds = core.Descendants("WindowsVersion").Select(v => int.Parse(v.Attribute("BuildNumber")!.Value, CultureInfo.InvariantCulture)).ToList();
        Assert.True(bounds[0] <= 17763 && 17763 <= bounds[1]);
    }

    [Fact]
    public async Task Superseded_updates_and_old_revisions_are_not_served_by_default()
    {
        var served = (await host.Server.Wsus.SyncAllAsync(await host.Server.Wsus.StartAsync("supersedence", 22621)))
            .SelectMany(WsusTestClient.RevisionIds).Select(id => Catalog.Find(id)!).ToList();

        Assert.All(served, r => Assert.True(r.IsLatestRevision));
        Assert.All(served, r => Assert.Null(r.SupersededBy));
        Assert.Contains(Catalog.Revisions, r => r.IsLatestRevision && r.SupersededBy is not null && r.AppliesTo(22621));
    }

    [Fact]
    public async Task With_superseded_updates_included_the_replacement_lists_them_in_its_relationships()
    {
        await using var sup = await SupServer.StartAsync(o => o.ExcludeSupersededUpdates = false);
        var catalog = sup.Services.GetRequiredService<UpdateCatalog>();
        var pages = await sup.Wsus.SyncAllAsync(await sup.Wsus.StartAsync("all", 22621));
        var infos = pages.SelectMany(p => p.Descendants(Cws + "UpdateInfo")).ToList();
        var served = infos.Select(i => catalog.Find(int.Parse(i.Element(Cws + "ID")!.Value, CultureInfo.InvariantCulture))!).ToList();

        var superseded = served.Where(r => r.SupersededBy is not null).ToList();
        Assert.NotEmpty(superseded);
        foreach (var old in superseded)
        {
            var replacement = served.Single(r => r.UpdateId == old.SupersededBy);
            var xml = infos.Single(i => i.Element(Cws + "ID")!.Value == replacement.RevisionId.ToString(CultureInfo.InvariantCulture)).Element(Cws + "Xml")!.Value;
            var listed = XElement.Parse("<r>" + xml + "</r>").Descendants("SupersededUpdates").Elements("UpdateIdentity").Select(e => Guid.Parse(e.Attribute("UpdateID")!.Value));
            Assert.Contains(old.UpdateId, listed);
        }
    }

    [Fact]
    public async Task Known_ids_that_are_not_applicable_come_back_out_of_scope()
    {
        var cookie = await host.Server.Wsus.StartAsync("out-of-scope", 17763);
        var notApplicable = Catalog.Revisions.First(r => r.IsLatestRevision && !r.AppliesTo(17763)).RevisionId;

        var reply = await host.Server.Wsus.SyncReplyAsync(cookie, [notApplicable]);

        var outOfScope = reply.Body.Descendants(Cws + "OutOfScopeRevisionIDs").Single().Elements(Cws + "int").Select(e => int.Parse(e.Value, CultureInfo.InvariantCulture));
        Assert.Contains(notApplicable, outOfScope);
    }

    [Fact]
    public async Task SyncUpdates_reply_has_the_spec_shape()
    {
        var reply = await host.Server.Wsus.SyncReplyAsync(await host.Server.Wsus.StartAsync("shape", 22631), []);

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Equal("text/xml; charset=utf-8", reply.ContentType);
        Assert.Equal(SoapNs + "Envelope", reply.Document.Root!.Name);
        Assert.Equal(Cws + "SyncUpdatesResponse", reply.Body.Name);
        var result = reply.Body.Elements().Single();
        Assert.Equal(Cws + "SyncUpdatesResult", result.Name);
        Assert.Equal(["NewUpdates", "OutOfScopeRevisionIDs", "Truncated", "NewCookie", "DriverSyncNotNeeded"], result.Elements().Select(e => e.Name.LocalName));
        Assert.All(result.Descendants(), e => Assert.Equal(Cws, e.Name.Namespace));
        Assert.Equal(["Expiration", "EncryptedData"], result.Element(Cws + "NewCookie")!.Elements().Select(e => e.Name.LocalName));
        var info = result.Element(Cws + "NewUpdates")!.Elements().First();
        Assert.Equal(Cws + "UpdateInfo", info.Name);
        Assert.Equal(["ID", "Deployment", "IsLeaf", "Xml"], info.Elements().Select(e => e.Name.LocalName));
        Assert.Equal(
            ["ID", "Action", "IsAssigned", "LastChangeTime", "AutoSelect", "AutoDownload", "SupersedenceBehavior", "FlagBitmask"],
            info.Element(Cws + "Deployment")!.Elements().Select(e => e.Name.LocalName));
        Assert.Equal("Install", info.Element(Cws + "Deployment")!.Element(Cws + "Action")!.Value);

        // Xml is the escaped core fragment: text, not child elements.
        var xml = info.Element(Cws + "Xml")!;
        Assert.False(xml.HasElements);
        var core = XElement.Parse("<r>" + xml.Value + "</r>");
        Assert.Equal(["UpdateIdentity", "Properties", "Relationships", "ApplicabilityRules"], core.Elements().Select(e => e.Name.LocalName));
        var identity = core.Element("UpdateIdentity")!;
        var revision = Catalog.Find(int.Parse(info.Element(Cws + "ID")!.Value, CultureInfo.InvariantCulture))!;
        Assert.Equal(revision.UpdateId, Guid.Parse(identity.Attribute("UpdateID")!.Value));
        Assert.Equal(revision.RevisionNumber.ToString(CultureInfo.InvariantCulture), identity.Attribute("RevisionNumber")!.Value);
        Assert.Equal(UpdateCatalog.ClassificationIds[revision.Classification], Guid.Parse(core.Descendants("AtLeastOne").Single().Element("UpdateIdentity")!.Attribute("UpdateID")!.Value));
    }

    [Fact]
    public async Task GetExtendedUpdateInfo_returns_fragments_and_file_locations()
    {
        var cookie = await host.Server.Wsus.StartAsync("extended", 22631);
        var revision = Catalog.ApplicableTo(22631, true)[0];

        var reply = await host.Server.Wsus.ClientAsync(
            "GetExtendedUpdateInfo",
            WsusTestClient.Cookie(Cws, cookie),
            new XElement(Cws + "revisionIDs", new XElement(Cws + "int", revision.RevisionId), new XElement(Cws + "int", 1)),
            new XElement(Cws + "infoTypes", new XElement(Cws + "XmlUpdateFragmentType", "Extended"), new XElement(Cws + "XmlUpdateFragmentType", "LocalizedProperties")),
            new XElement(Cws + "locales", new XElement(Cws + "string", "en")));

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        var result = reply.Body.Element(Cws + "GetExtendedUpdateInfoResult")!;
        Assert.Equal(["Updates", "FileLocations", "OutOfScopeRevisionIDs"], result.Elements().Select(e => e.Name.LocalName));
        var updates = result.Element(Cws + "Updates")!.Elements(Cws + "Update").ToList();
        Assert.Equal(2, updates.Count);
        Assert.All(updates, u => Assert.Equal(revision.RevisionId.ToString(CultureInfo.InvariantCulture), u.Element(Cws + "ID")!.Value));
        var fragments = updates.Select(u => XElement.Parse("<r>" + u.Element(Cws + "Xml")!.Value + "</r>")).ToList();
        Assert.Equal(Convert.ToBase64String(revision.FileDigest), fragments[0].Descendants("File").Single().Attribute("Digest")!.Value);
        Assert.Equal(revision.Title, fragments[1].Descendants("Title").Single().Value);

        var location = result.Element(Cws + "FileLocations")!.Elements(Cws + "FileLocation").Single();
        Assert.Equal(Convert.ToBase64String(revision.FileDigest), location.Element(Cws + "FileDigest")!.Value);
        var hex = Convert.ToHexString(revision.FileDigest);
        Assert.EndsWith($"/Content/{hex[^2..]}/{hex}.cab", location.Element(Cws + "Url")!.Value, StringComparison.Ordinal);
        Assert.StartsWith("https://127.0.0.1:", location.Element(Cws + "Url")!.Value, StringComparison.Ordinal);
        Assert.Equal(["1"], result.Element(Cws + "OutOfScopeRevisionIDs")!.Elements().Select(e => e.Value));
    }

    [Fact]
    public async Task ReportEventBatch_stores_the_events_per_computer_and_returns_true()
    {
        var cookie = await host.Server.Wsus.StartAsync("reporter", 22631);
        var store = host.Server.Services.GetRequiredService<ReportingEventStore>();
        var update = Catalog.ApplicableTo(22631, true)[0];
        XElement Event(int sequence, int eventId) => new(
            Rws + "ReportingEvent",
            new XElement(
                Rws + "BasicData",
                new XElement(Rws + "TargetID", new XElement(Rws + "Sid", "reporter")),
                new XElement(Rws + "SequenceNumber", sequence),
                new XElement(Rws + "TimeAtTarget", "2026-01-01T00:00:00Z"),
                new XElement(Rws + "EventInstanceID", Guid.NewGuid()),
                new XElement(Rws + "NamespaceID", 1),
                new XElement(Rws + "EventID", eventId),
                new XElement(Rws + "SourceID", 1),
                new XElement(Rws + "UpdateID", new XElement(Rws + "UpdateID", update.UpdateId), new XElement(Rws + "RevisionNumber", update.RevisionNumber)),
                new XElement(Rws + "Win32HResult", 0),
                new XElement(Rws + "AppName", "tests")));

        for (var batch = 0; batch < 2; batch++)
        {
            var reply = await host.Server.Wsus.PostAsync(ReportingPath, Action("ReportEventBatch"), new XElement(
                Rws + "ReportEventBatch",
                WsusTestClient.Cookie(Rws, cookie),
                new XElement(Rws + "clientTime", "2026-01-01T00:00:00Z"),
                new XElement(Rws + "eventBatch", Event(1, 147), Event(2, 156), Event(3, 156))));

            Assert.Equal(HttpStatusCode.OK, reply.Status);
            Assert.Equal(Rws + "ReportEventBatchResponse", reply.Body.Name);
            Assert.Equal("true", reply.Body.Element(Rws + "ReportEventBatchResult")!.Value);
        }

        Assert.Equal(6, store.CountFor("reporter"));
        var events = store.EventsFor("reporter");
        Assert.Equal([147, 156, 156, 147, 156, 156], events.Select(e => e.EventId));
        Assert.All(events, e => Assert.Equal((update.UpdateId, update.RevisionNumber), (e.UpdateId!.Value, e.RevisionNumber!.Value)));
        Assert.Equal(0, store.CountFor("someone-else"));
    }
}
