using System.CommandLine;

namespace CmgSim.Cli.Commands;

/// <summary>Options more than one command takes.</summary>
internal static class CommonOptions
{
    public static Option<DirectoryInfo> LabDirectory() => new("--lab-dir")
    {
        Description = "The lab folder: PKI, logs, site database and topology.json.",
        DefaultValueFactory = static _ => new DirectoryInfo(Path.Combine(Environment.CurrentDirectory, "lab")),
    };

    public static Option<string> ServiceName() => new("--service-name")
    {
        Description = "The CMG service name, the CN of its server certificate.",
        DefaultValueFactory = static _ => "GraniteFalls.contoso.com",
    };

    public static Option<KeyAlgorithmChoice> KeyAlgorithm() => new("--key-algorithm")
    {
        Description = "Key algorithm of the lab certificates.",
        DefaultValueFactory = static _ => KeyAlgorithmChoice.Ecdsa,
    };

    public static Option<int> Clients() => new("--clients")
    {
        Description = "Client-auth certificates to issue for simulated clients.",
        DefaultValueFactory = static _ => 3,
    };
}

internal enum KeyAlgorithmChoice
{
    Ecdsa,
    Rsa,
}
