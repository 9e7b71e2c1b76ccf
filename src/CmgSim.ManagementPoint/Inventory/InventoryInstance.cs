using System.Xml.Linq;

namespace CmgSim.ManagementPoint.Inventory;

/// <summary>
/// One <c>&lt;Instance Content=".." Namespace=".." Class=".." ParentClass=".."&gt;&lt;Class&gt;&lt;Prop&gt;…</c> of a report body;
/// <see cref="Properties"/> is the inner class element as XML, so any class the client reports is kept without a schema.
/// </summary>
/// <param name="Content"><c>New</c> in a full report; deltas also carry <c>Updated</c>/<c>Deleted</c> [I].</param>
internal sealed record InventoryInstance(string Class, string? ParentClass, string? Namespace, string? Content, string Properties)
{
    public static IReadOnlyList<InventoryInstance> FromBody(XElement reportBody) =>
        [.. reportBody.Elements("Instance").Select(static instance =>
        {
            var @class = (string?)instance.Attribute("Class") ?? instance.Elements().FirstOrDefault()?.Name.LocalName ?? string.Empty;
            var properties = instance.Elements().FirstOrDefault()?.ToString(SaveOptions.DisableFormatting) ?? string.Empty;
            return new InventoryInstance(@class, (string?)instance.Attribute("ParentClass"), (string?)instance.Attribute("Namespace"), (string?)instance.Attribute("Content"), properties);
        })];
}
