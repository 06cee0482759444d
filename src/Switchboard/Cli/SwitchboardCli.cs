namespace Switchboard.Cli;

internal static class SwitchboardCli
{
    public static int Run(string[] args) => args.Length >= 0 ? 0 : 1;
}
