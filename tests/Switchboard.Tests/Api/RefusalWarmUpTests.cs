using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Switchboard.Api;

namespace Switchboard.Tests.Api;

public sealed class RefusalWarmUpTests
{
    [Fact]
    public async Task RunAsync_NoConsoleFormatters_RefusesOnItsPrivateRouterAndGoesToTheEnd()
    {
        // False when its private router no longer refuses as the real one would (or anything on the path throws).
        Assert.True(await new RefusalWarmUp([], []).RunAsync());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RunAsync_TheGatewaysConsoleLogging_FormatsTheRouterEventsAndGoesToTheEnd(bool json)
    {
        // The console logging ConsoleLogs sets up (simple, or JSON with json_logs): each event is formatted into a throwaway
        // writer and given to the console logger at LogLevel.None, which it never writes.
        using var provider = new ServiceCollection()
            .AddLogging(logging => _ = json ? logging.AddJsonConsole() : logging.AddSimpleConsole())
            .BuildServiceProvider();
        var formatters = provider.GetServices<ConsoleFormatter>().ToArray();
        Assert.NotEmpty(formatters);
        var consoles = provider.GetServices<ILoggerProvider>().OfType<ConsoleLoggerProvider>().ToArray();
        Assert.NotEmpty(consoles);

        Assert.True(await new RefusalWarmUp(formatters, consoles).RunAsync());
    }

    [Theory]
    [InlineData(null, true)]
    [InlineData("1", true)]
    [InlineData("", true)]
    [InlineData("0", false)]
    public void Enabled_SwitchboardWarmup_OffOnlyForZero(string? value, bool expected)
    {
        Assert.Equal(expected, RefusalWarmUp.Enabled(name => name == "SWITCHBOARD_WARMUP" ? value : null));
    }
}
