using System.CommandLine;
using Switchboard.Cli;

namespace Switchboard.IntegrationTests.Cli;

/// <summary>Runs <c>switchboard keys …</c> / <c>usage …</c> in-process, as parsed from a command line, capturing both streams.</summary>
internal static class CliRunner
{
    public static async Task<CliRun> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var errors = new StringWriter();
        var root = new RootCommand
        {
            KeysCommand.Build(output, errors, TimeProvider.System),
            UsageCommand.Build(output, errors, TimeProvider.System),
            DeploymentsCommand.Build(output, errors),
        };
        var parse = root.Parse(args);
        Assert.True(parse.Errors.Count == 0, string.Join("; ", parse.Errors.Select(e => e.Message)));
        var exitCode = await parse.InvokeAsync();
        return new CliRun(exitCode, output.ToString(), errors.ToString());
    }

    /// <summary>The raw key from <c>keys create</c>'s <c>key:</c> line.</summary>
    public static string CreatedKey(CliRun run)
    {
        Assert.True(run.ExitCode == 0, run.ToString());
        var line = run.Output.Split('\n').Single(l => l.StartsWith("key:", StringComparison.Ordinal));
        var key = line["key:".Length..].Trim();
        Assert.StartsWith("sk-", key, StringComparison.Ordinal);
        return key;
    }

    /// <summary>The cells of the table row whose first cell is <paramref name="name"/> (cells split on runs of 2+ spaces).</summary>
    public static string[]? Row(string output, string name) =>
        output.Split('\n')
            .Select(l => System.Text.RegularExpressions.Regex.Split(l.Trim(), " {2,}"))
            .FirstOrDefault(cells => cells[0] == name);
}

internal sealed record CliRun(int ExitCode, string Output, string Errors)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Output}--- stderr\n{Errors}";
}
