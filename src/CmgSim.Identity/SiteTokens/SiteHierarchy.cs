using System.Globalization;
using CmgSim.Identity.Pki;

namespace CmgSim.Identity.SiteTokens;

/// <summary>
/// The hierarchy ID of the lab's site: the GUID in site tokens (bulk token <c>TenantId</c>, issuer
/// <c>urn:sccm:oauth2:&lt;id&gt;</c>). One per lab, kept in <c>&lt;pki&gt;/hierarchy-id.txt</c>, so the CLI and the
/// running topology mint and validate with the same value.
/// </summary>
public static class SiteHierarchy
{
    public const string FileName = "hierarchy-id.txt";

    public static Guid LoadOrCreateId(string pkiDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pkiDirectory);
        var directory = Path.GetFullPath(pkiDirectory);
        var path = Path.Combine(directory, FileName);
        if (TryRead(path) is { } id)
        {
            return id;
        }

        Directory.CreateDirectory(directory);
        using var fileLock = LabPkiFiles.AcquireLock(directory);

        // Another process may have written it while this one waited for the lock.
        if (TryRead(path) is { } written)
        {
            return written;
        }

        var created = Guid.NewGuid();
        LabPkiFiles.WriteAtomic(path, created.ToString("D", CultureInfo.InvariantCulture) + "\n");
        return created;
    }

    private static Guid? TryRead(string path)
    {
        try
        {
            return Guid.TryParse(File.ReadAllText(path).Trim(), out var id) && id != Guid.Empty ? id : null;
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }
}
