using System.CommandLine;
using CmgSim.Cli.Commands;

namespace CmgSim.Cli;

internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var root = new RootCommand("CmgSim: a simulator of the Configuration Manager cloud management gateway traffic path.")
        {
            UpCommand.Create(),
            PkiCommand.Create(),
            ClientCommand.Create(),
            TokenCommand.Create(),
            RunCommand.Create(),
        };
        return await root.Parse(args).InvokeAsync();
    }
}
