using CmgSim.SoftwareUpdatePoint.Catalog;

namespace CmgSim.SoftwareUpdatePoint.Tests;

public sealed class CatalogTests
{
    [Fact]
    public void The_same_seed_gives_the_same_catalog_and_another_seed_another()
    {
        var a = new UpdateCatalog(42, 50).Revisions;
        var b = new UpdateCatalog(42, 50).Revisions;
        var c = new UpdateCatalog(43, 50).Revisions;

        Assert.Equal(a.Select(r => (r.UpdateId, r.RevisionNumber, r.RevisionId, r.Title, r.MinOsBuild, r.MaxOsBuild)), b.Select(r => (r.UpdateId, r.RevisionNumber, r.RevisionId, r.Title, r.MinOsBuild, r.MaxOsBuild)));
        Assert.NotEqual(a.Select(r => r.UpdateId).Distinct(), c.Select(r => r.UpdateId).Distinct());
    }

    [Fact]
    public void Fifty_updates_with_revisions_classifications_and_supersedence()
    {
        var catalog = new UpdateCatalog(8530, 50);
        var updates = catalog.Revisions.GroupBy(r => r.UpdateId).ToList();

        Assert.Equal(50, updates.Count);
        Assert.Equal(catalog.Revisions.Count, catalog.Revisions.Select(r => r.RevisionId).Distinct().Count());
        Assert.Contains(updates, g => g.Count() > 1);
        Assert.All(updates, g =>
        {
            Assert.Single(g, r => r.IsLatestRevision);
            Assert.Equal(g.Max(r => r.RevisionNumber), g.Single(r => r.IsLatestRevision).RevisionNumber);
        });
        Assert.Equal(Enum.GetValues<UpdateClassification>().Order(), catalog.Revisions.Select(r => r.Classification).Distinct().Order());
        Assert.All(catalog.Revisions, r => Assert.True(r.MinOsBuild <= r.MaxOsBuild));

        var superseded = catalog.Revisions.Where(r => r.IsLatestRevision && r.SupersededBy is not null).ToList();
        Assert.True(superseded.Count >= 5, $"only {superseded.Count} superseded");
        Assert.All(superseded, old =>
        {
            var replacement = catalog.Revisions.Single(r => r.UpdateId == old.SupersededBy && r.IsLatestRevision);
            Assert.Contains(old.UpdateId, replacement.Supersedes);
            Assert.Equal((old.MinOsBuild, old.MaxOsBuild), (replacement.MinOsBuild, replacement.MaxOsBuild));
        });
    }

    [Fact]
    public void Applicability_filters_by_build_and_drops_superseded_and_old_revisions()
    {
        var catalog = new UpdateCatalog(8530, 50);

        var withSuperseded = catalog.ApplicableTo(22631, excludeSuperseded: false);
        var withoutSuperseded = catalog.ApplicableTo(22631, excludeSuperseded: true);

        Assert.All(withSuperseded, r => Assert.True(r.IsLatestRevision && r.AppliesTo(22631)));
        Assert.All(withoutSuperseded, r => Assert.Null(r.SupersededBy));
        Assert.True(withSuperseded.Count > withoutSuperseded.Count);
        Assert.Equal(catalog.Revisions.Count(r => r.IsLatestRevision), catalog.ApplicableTo(null, false).Count);
    }

    [Fact]
    public void The_default_catalog_pages_for_every_known_build()
    {
        var defaults = new SoftwareUpdatePointOptions();
        var catalog = new UpdateCatalog(Microsoft.Extensions.Options.Options.Create(defaults));

        Assert.Equal(50, catalog.Revisions.Select(r => r.UpdateId).Distinct().Count());
        Assert.All(UpdateCatalog.KnownOsBuilds, build => Assert.True(catalog.ApplicableTo(build, true).Count > defaults.SyncPageSize, $"build {build}"));
    }
}
