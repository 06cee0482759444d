using Switchboard.Cli;

namespace Switchboard.Tests.Cli;

/// <summary>The command lines of <c>keys</c> and <c>usage</c> as the real root command parses them.</summary>
public sealed class KeysUsageParsingTests
{
    private static System.CommandLine.ParseResult Parse(params string[] args) => SwitchboardCli.BuildRoot().Parse(args);

    [Fact]
    public void Parse_KeysCreateAllOptions_ValuesRead()
    {
        var parse = Parse("keys", "create", "--alias", "alice", "--models", "a,b", "--models", "c", "--max-budget", "2.5",
            "--budget-duration", "30d", "--rpm", "60", "--tpm", "1000", "--max-parallel", "2", "--duration", "7d", "--url", "http://127.0.0.1:9");

        Assert.Empty(parse.Errors);
        Assert.Equal("create", parse.CommandResult.Command.Name);
        Assert.Equal("alice", parse.GetValue<string?>("--alias"));
        Assert.Equal(["a", "b", "c"], KeysCommand.SplitModels(parse.GetValue<string[]>("--models")));
        Assert.Equal(2.5, parse.GetValue<double?>("--max-budget"));
        Assert.Equal(60, parse.GetValue<int?>("--rpm"));
        Assert.Equal("http://127.0.0.1:9", parse.GetValue<string?>("--url"));
    }

    [Theory]
    [InlineData("keys", "create", "--max-budget", "ten")]
    [InlineData("keys", "create", "--max-budget", "-1")]
    [InlineData("keys", "create", "--budget-duration", "monthly")]
    [InlineData("keys", "create", "--duration", "0d")]
    [InlineData("keys", "create", "--rpm", "-5")]
    [InlineData("keys", "info")]
    [InlineData("keys", "revoke")]
    [InlineData("usage", "--by", "user")]
    [InlineData("usage", "--since", "yesterday")]
    public void Parse_BadArguments_Errors(params string[] args) => Assert.NotEmpty(Parse(args).Errors);

    [Fact]
    public void Parse_MaxBudgetWithComma_RefusedWhateverTheCulture()
    {
        var previous = System.Globalization.CultureInfo.CurrentCulture;
        try
        {
            System.Globalization.CultureInfo.CurrentCulture = CliFormatTests.CommaDecimalCulture();
            Assert.Equal(2.5, Parse("keys", "create", "--max-budget", "2.5").GetValue<double?>("--max-budget"));
            Assert.NotEmpty(Parse("keys", "create", "--max-budget", "2,5").Errors);
        }
        finally
        {
            System.Globalization.CultureInfo.CurrentCulture = previous;
        }
    }

    [Fact]
    public void Parse_KeysRevokeSeveral_AllArgumentsKept()
    {
        var parse = Parse("keys", "revoke", "alice", "bob", "--config", "gw.yaml");

        Assert.Empty(parse.Errors);
        Assert.Equal(["alice", "bob"], parse.GetValue<string[]>("KEY")!);
        Assert.Equal("gw.yaml", parse.GetValue<string?>("--config"));
    }

    [Fact]
    public void Parse_UsageDefaults_ByKeyLast24Hours()
    {
        var parse = Parse("usage");

        Assert.Empty(parse.Errors);
        Assert.Equal("key", parse.GetValue<string>("--by"));
        Assert.Null(parse.GetValue<TimeSpan?>("--since"));
        Assert.Equal(TimeSpan.FromHours(24), UsageCommand.DefaultWindow);
    }

    [Theory]
    [InlineData("30m", 30)]
    [InlineData("7d", 7 * 24 * 60)]
    public void Parse_UsageSince_Duration(string since, int minutes)
    {
        var parse = Parse("usage", "--by", "deployment", "--since", since, "--database-url", "x.db");

        Assert.Empty(parse.Errors);
        Assert.Equal(TimeSpan.FromMinutes(minutes), parse.GetValue<TimeSpan?>("--since"));
        Assert.Equal("deployment", parse.GetValue<string>("--by"));
    }
}
