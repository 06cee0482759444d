namespace Switchboard;

internal static class Program
{
    public static int Main(string[] args) => Cli.SwitchboardCli.Run(args);
}
