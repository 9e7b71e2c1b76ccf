using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace CmgSim.SoftwareUpdatePoint.Catalog;

public enum UpdateClassification
{
    Security,
    Critical,
    Definition,
}

/// <summary>One revision of one update. Only the latest revision of each update is served.</summary>
/// <param name="RevisionId">The server-wide int the protocol calls the update's ID (UpdateInfo/ID, revisionIDs).</param>
/// <param name="MinOsBuild">Lowest OSBuildNumber it applies to (inclusive).</param>
/// <param name="MaxOsBuild">Highest OSBuildNumber it applies to (inclusive).</param>
/// <param name="SupersededBy">The UpdateID of the update that replaces this one, if any.</param>
/// <param name="FileDigest">SHA-1 of the (simulated) payload, as FileLocation/FileDigest carries it.</param>
public sealed record UpdateRevision(
    Guid UpdateId,
    int RevisionNumber,
    int RevisionId,
    string Title,
    string KbArticle,
    UpdateClassification Classification,
    int MinOsBuild,
    int MaxOsBuild,
    DateOnly Released,
    Guid? SupersededBy,
    IReadOnlyList<Guid> Supersedes,
    byte[] FileDigest,
    long FileSize,
    bool IsLatestRevision)
{
    public bool AppliesTo(int osBuild) => osBuild >= MinOsBuild && osBuild <= MaxOsBuild;
}

/// <summary>
/// A deterministic update catalog generated from <see cref="SoftwareUpdatePointOptions.CatalogSeed"/>:
/// UpdateIDs, 1–3 revisions each, a classification, an OS build window (1–4 consecutive known
/// builds; every build for definition updates), and supersedence chains (every sixth update
/// replaces an earlier one and inherits its classification and build window, so a superseded
/// update is never applicable where its replacement is not).
/// </summary>
public sealed class UpdateCatalog
{
    /// <summary>Windows 10/11 and Server builds the catalog targets; the windows are runs of this list.</summary>
    public static readonly IReadOnlyList<int> KnownOsBuilds = [17763, 19044, 19045, 20348, 22621, 22631, 26100];

    /// <summary>WSUS classification category UpdateIDs, expressed as category prerequisites in the core XML.</summary>
    public static readonly IReadOnlyDictionary<UpdateClassification, Guid> ClassificationIds = new Dictionary<UpdateClassification, Guid>
    {
        [UpdateClassification.Security] = new("0fa1201d-4330-4fa8-8ae9-b877473b6441"),
        [UpdateClassification.Critical] = new("e6cf1350-c01b-414d-a61f-263d14d133b4"),
        [UpdateClassification.Definition] = new("e0789628-ce08-4437-be74-2495b842f43b"),
    };

    private const int FirstRevisionId = 300000;

    private readonly Dictionary<int, UpdateRevision> _byRevisionId;

    public UpdateCatalog(IOptions<SoftwareUpdatePointOptions> options)
        : this(options?.Value.CatalogSeed ?? 0, options?.Value.CatalogSize ?? 0)
    {
    }

    public UpdateCatalog(int seed, int size)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        Revisions = Generate(seed, size);
        _byRevisionId = Revisions.ToDictionary(r => r.RevisionId);
    }

    /// <summary>Every revision, old ones included, ordered by RevisionId.</summary>
    public IReadOnlyList<UpdateRevision> Revisions { get; }

    public UpdateRevision? Find(int revisionId) => _byRevisionId.GetValueOrDefault(revisionId);

    /// <summary>
    /// What SyncUpdates offers a computer, ordered by RevisionId: latest revisions whose build window
    /// holds <paramref name="osBuild"/> (null: unfiltered), without superseded updates when asked.
    /// The filter is server-side; the ApplicabilityRules in the XML say the same for a real WUA.
    /// </summary>
    public IReadOnlyList<UpdateRevision> ApplicableTo(int? osBuild, bool excludeSuperseded)
    {
        var latest = Revisions.Where(r => r.IsLatestRevision && (osBuild is null || r.AppliesTo(osBuild.Value))).ToList();
        if (!excludeSuperseded)
        {
            return latest;
        }

        var present = latest.Select(r => r.UpdateId).ToHashSet();
        return latest.Where(r => r.SupersededBy is not { } by || !present.Contains(by)).ToList();
    }

    private static List<UpdateRevision> Generate(int seed, int size)
    {
        var random = new Random(seed);
        var drafts = new List<Draft>(size);
        for (var i = 0; i < size; i++)
        {
            var classification = (UpdateClassification)random.Next(3);
            var first = random.Next(KnownOsBuilds.Count);
            var last = Math.Min(KnownOsBuilds.Count - 1, first + random.Next(4));
            if (classification == UpdateClassification.Definition)
            {
                // Defender definitions apply to every build, as in real catalogs; it also makes a default scan page.
                (first, last) = (0, KnownOsBuilds.Count - 1);
            }

            var draft = new Draft(NewGuid(random), classification, KnownOsBuilds[first], KnownOsBuilds[last], random.Next(1, 4), 5_000_000 + random.Next(100_000, 999_999));
            if (i % 6 == 5)
            {
                var candidates = drafts.Where(d => d.SupersededBy is null).ToList();
                if (candidates.Count > 0)
                {
                    var old = candidates[random.Next(candidates.Count)];
                    old.SupersededBy = draft.UpdateId;
                    draft.Supersedes.Add(old.UpdateId);
                    draft.Classification = old.Classification;
                    draft.MinOsBuild = old.MinOsBuild;
                    draft.MaxOsBuild = old.MaxOsBuild;
                }
            }

            drafts.Add(draft);
        }

        var revisions = new List<UpdateRevision>();
        var revisionId = FirstRevisionId;
        var released = new DateOnly(2024, 1, 9);
        for (var i = 0; i < drafts.Count; i++)
        {
            var d = drafts[i];
            var month = released.AddMonths(i / 4);
            for (var r = 0; r < d.RevisionCount; r++)
            {
                var revisionNumber = 200 + r;
                var digest = SHA1.HashData(Encoding.UTF8.GetBytes($"{d.UpdateId:N}/{revisionNumber}"));
                revisions.Add(new UpdateRevision(
                    d.UpdateId,
                    revisionNumber,
                    revisionId++,
                    string.Create(CultureInfo.InvariantCulture, $"{month:yyyy-MM} {Describe(d.Classification)} for Windows (KB{d.Kb})"),
                    d.Kb.ToString(CultureInfo.InvariantCulture),
                    d.Classification,
                    d.MinOsBuild,
                    d.MaxOsBuild,
                    month,
                    d.SupersededBy,
                    d.Supersedes,
                    digest,
                    1_048_576L + random.Next(200_000_000),
                    r == d.RevisionCount - 1));
            }
        }

        return revisions;
    }

    private static string Describe(UpdateClassification classification) => classification switch
    {
        UpdateClassification.Security => "Security Update",
        UpdateClassification.Critical => "Critical Update",
        _ => "Security Intelligence Update",
    };

    private static Guid NewGuid(Random random)
    {
        Span<byte> bytes = stackalloc byte[16];
        random.NextBytes(bytes);
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x40); // version 4 in Guid's little-endian layout
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes);
    }

    private sealed class Draft(Guid updateId, UpdateClassification classification, int minOsBuild, int maxOsBuild, int revisionCount, int kb)
    {
        public Guid UpdateId { get; } = updateId;

        public UpdateClassification Classification { get; set; } = classification;

        public int MinOsBuild { get; set; } = minOsBuild;

        public int MaxOsBuild { get; set; } = maxOsBuild;

        public int RevisionCount { get; } = revisionCount;

        public int Kb { get; } = kb;

        public Guid? SupersededBy { get; set; }

        public List<Guid> Supersedes { get; } = [];
    }
}
