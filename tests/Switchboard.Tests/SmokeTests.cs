namespace Switchboard.Tests;

public sealed class SmokeTests
{
    [Fact]
    public void Cli_NoArgs_ReturnsZero() => Assert.Equal(0, Switchboard.Cli.SwitchboardCli.Run([]));
}
