namespace CmgSim.Core;

/// <summary>Where things live in a lab folder (the <c>--lab-dir</c> of the CLI).</summary>
public sealed class LabLayout
{
    public LabLayout(string root)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        Root = Path.GetFullPath(root);
    }

    public string Root { get; }

    public string PkiDirectory => Path.Combine(Root, "pki");

    public string LogsDirectory => Path.Combine(Root, "logs");

    public string TopologyFile => Path.Combine(Root, "topology.json");

    public string SiteDatabase => Path.Combine(Root, "site.db");

    /// <summary>The local Entra tenant's signing keys and the devices' workplace-join certificates.</summary>
    public string EntraDirectory => Path.Combine(Root, "entra");

    /// <summary>The default lab folder: <c>./lab</c> under the current directory.</summary>
    public static LabLayout Default() => new(Path.Combine(Environment.CurrentDirectory, "lab"));
}
