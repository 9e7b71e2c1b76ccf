using System.Globalization;
using System.Xml.Linq;

namespace CmgSim.SoftwareUpdatePoint.Soap;

/// <summary>Parameter reading that fails with InvalidParameters naming the parameter, as 2.2.2.4 asks.</summary>
internal static class SoapRead
{
    public static XElement Required(XElement parent, XName name) =>
        parent.Element(name) ?? throw Invalid(name.LocalName, "is missing");

    public static string RequiredText(XElement parent, XName name)
    {
        var value = Required(parent, name).Value.Trim();
        return value.Length == 0 ? throw Invalid(name.LocalName, "is empty") : value;
    }

    public static int RequiredInt(XElement parent, XName name) =>
        int.TryParse(RequiredText(parent, name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw Invalid(name.LocalName, "is not an integer");

    public static int OptionalInt(XElement parent, XName name) =>
        parent.Element(name) is null ? 0 : RequiredInt(parent, name);

    /// <summary>An <c>ArrayOfInt</c> (<c>&lt;int&gt;</c> children); absent means empty.</summary>
    public static List<int> IntArray(XElement parent, XName name, XNamespace ns)
    {
        var list = new List<int>();
        foreach (var item in parent.Element(name)?.Elements(ns + "int") ?? [])
        {
            list.Add(int.TryParse(item.Value.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
                ? value
                : throw Invalid(name.LocalName, $"holds a non-integer '{item.Value}'"));
        }

        return list;
    }

    /// <summary>"x.y" with numeric parts, per GetCookie's protocolVersion rule.</summary>
    public static void ProtocolVersion(XElement parent, XName name)
    {
        var value = RequiredText(parent, name);
        var parts = value.Split('.');
        if (parts.Length != 2 || !parts.All(p => p.Length > 0 && p.All(char.IsAsciiDigit)))
        {
            throw Invalid(name.LocalName, $"'{value}' is not an x.y version");
        }
    }

    public static WsusFaultException Invalid(string parameter, string reason) =>
        new(WsusErrorCode.InvalidParameters, $"Parameter {parameter} {reason}.");
}
