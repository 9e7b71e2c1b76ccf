using System.Globalization;
using System.Xml.Linq;

namespace CmgSim.SoftwareUpdatePoint.Catalog;

/// <summary>
/// The update XML fragments WUA receives as escaped text: the core fragment in SyncUpdates'
/// <c>UpdateInfo/Xml</c>, the extended and localized fragments in GetExtendedUpdateInfo. Element
/// names follow the WSUS update schema; the content is the simulator's, kept small.
/// </summary>
internal static class UpdateXml
{
    public static string Core(UpdateRevision update) => Fragment(
        new XElement("UpdateIdentity", new XAttribute("UpdateID", update.UpdateId), new XAttribute("RevisionNumber", update.RevisionNumber)),
        new XElement("Properties", new XAttribute("UpdateType", "Software")),
        new XElement(
            "Relationships",
            new XElement(
                "Prerequisites",
                new XElement("AtLeastOne", new XAttribute("IsCategory", "true"), new XElement("UpdateIdentity", new XAttribute("UpdateID", UpdateCatalog.ClassificationIds[update.Classification])))),
            update.Supersedes.Count == 0
                ? null
                : new XElement("SupersededUpdates", update.Supersedes.Select(id => new XElement("UpdateIdentity", new XAttribute("UpdateID", id))))),
        new XElement(
            "ApplicabilityRules",
            new XElement(
                "IsInstallable",
                new XElement(
                    "And",
                    new XElement("WindowsVersion", new XAttribute("Comparison", "GreaterThanOrEqualTo"), new XAttribute("BuildNumber", update.MinOsBuild)),
                    new XElement("WindowsVersion", new XAttribute("Comparison", "LessThanOrEqualTo"), new XAttribute("BuildNumber", update.MaxOsBuild))))));

    public static string Extended(UpdateRevision update) => Fragment(
        new XElement(
            "ExtendedProperties",
            new XAttribute("DefaultPropertiesLanguage", "en"),
            new XAttribute("Handler", "http://schemas.microsoft.com/msus/2002/12/UpdateHandlers/Cbs"),
            new XAttribute("MaxDownloadSize", update.FileSize),
            new XAttribute("MinDownloadSize", 0),
            new XElement("KBArticleID", update.KbArticle),
            new XElement("SecurityBulletinID", update.Classification == UpdateClassification.Security ? $"MS-KB{update.KbArticle}" : null)),
        new XElement(
            "Files",
            new XElement(
                "File",
                new XAttribute("Digest", Convert.ToBase64String(update.FileDigest)),
                new XAttribute("DigestAlgorithm", "SHA1"),
                new XAttribute("FileName", $"windows-kb{update.KbArticle}-x64.cab"),
                new XAttribute("Size", update.FileSize.ToString(CultureInfo.InvariantCulture)),
                new XAttribute("Modified", update.Released.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)))));

    public static string Localized(UpdateRevision update, string language) => Fragment(
        new XElement(
            "LocalizedProperties",
            new XElement("Language", language),
            new XElement("Title", update.Title),
            new XElement("Description", $"Install this update to resolve issues in Windows. (KB{update.KbArticle})")));

    private static string Fragment(params XElement?[] elements) =>
        string.Concat(elements.Where(e => e is not null).Select(e => e!.ToString(SaveOptions.DisableFormatting)));
}
