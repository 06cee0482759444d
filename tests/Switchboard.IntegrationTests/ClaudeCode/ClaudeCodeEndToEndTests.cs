using Switchboard.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace Switchboard.IntegrationTests.ClaudeCode;

/// <summary>
/// The real Claude Code CLI, print mode, as users run it, against the gateway in front of the mock provider: every
/// version in claude-code-versions.txt, with its default model (no <c>ANTHROPIC_MODEL</c>: it asks for its own Claude
/// model, which the config's <c>claude-*</c> wildcard routes) and with <c>ANTHROPIC_MODEL</c> set to the pool's name.
/// One subclass per kind of pool (<see cref="OpenAiPool"/> translated, <see cref="AnthropicPool"/> passthrough), so
/// that xunit runs the two side by side.
/// </summary>
public abstract class ClaudeCodeEndToEndTests(ITestOutputHelper output, string provider) : NpmCliEndToEndTests(output, "switchboard-cc-")
{
    /// <summary>No <c>ANTHROPIC_MODEL</c>: Claude Code's own default (claude-opus-4-8 in 2.1.197, claude-opus-5-5 in 2.1.332).</summary>
    public const string DefaultModel = "default";

    /// <summary>The pool's name, as the README suggests (a <c>model_group_alias</c> of <c>claude-*</c>).</summary>
    public const string PoolModel = "glm-pool";

    /// <summary>Every version × model choice.</summary>
    public static TheoryData<string, string> Runs()
    {
        var data = new TheoryData<string, string>();
        foreach (var version in ClaudeCodeCli.Tool.Versions)
        {
            data.Add(version, DefaultModel);
            data.Add(version, PoolModel);
        }

        return data;
    }

    [ClaudeCodeTheory]
    [MemberData(nameof(Runs))]
    public async Task PrintMode_SayHi_PrintsMockAnswer(string version, string model)
    {
        var key = $"ok-cc-{provider}-{version}-{model}";
        await using var gateway = await GatewayAsync(key);

        var run = await ClaudeCodeCli.RunAsync(version, gateway.BaseUrl, Project, Home, "say hi", AnthropicModel(model), RunTimeout, "--max-turns", "2");

        Report(gateway, run);
        Assert.False(run.TimedOut, run.ToString());
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains($"Hello from mock deployment {key} (model glm-4.6)", run.Stdout);
        Assert.True(Mock.Stats[key].Calls >= 1);
        AssertNoFailedCalls(gateway);
        AssertAskedFor(gateway, model);
    }

    [ClaudeCodeTheory]
    [MemberData(nameof(Runs))]
    public async Task PrintMode_ReadToolTurn_RunsToolAndPrintsAnswerWithFileContent(string version, string model)
    {
        var key = $"ok-cc-tool-{provider}-{version}-{model}";
        var file = Path.Combine(Project, "notes.txt");
        await File.WriteAllTextAsync(file, "The secret word is pineapple.\n");
        await using var gateway = await GatewayAsync(key);

        // The mock answers the first call with a Read tool call; Claude Code reads the file and sends the result back;
        // the mock answers "Tool result received: <the result>", which Claude Code prints.
        var prompt = "Read the notes file. mock-tool:Read {\"file_path\":\"" + file + "\"}";
        var run = await ClaudeCodeCli.RunAsync(version, gateway.BaseUrl, Project, Home, prompt, AnthropicModel(model), RunTimeout, "--max-turns", "4", "--allowedTools", "Read");

        Report(gateway, run);
        Assert.False(run.TimedOut, run.ToString());
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("Tool result received:", run.Stdout);
        Assert.Contains("The secret word is pineapple.", run.Stdout);
        Assert.True(Mock.Stats[key].Calls >= 2, $"{Mock.Stats[key].Calls} upstream call(s)");
        AssertNoFailedCalls(gateway);
        AssertAskedFor(gateway, model);
    }

    private static string? AnthropicModel(string model) => model == DefaultModel ? null : model;

    /// <summary>The gateway with claude-code-e2e.yaml, its pool being one mock key of this class's kind.</summary>
    private Task<TestGateway> GatewayAsync(string key) => GatewayFromFileAsync("ClaudeCode/claude-code-e2e.yaml", provider, key);

    /// <summary>Every call Claude Code made was answered with success: nothing it sends (betas, unknown fields, probes) is refused.</summary>
    private static void AssertNoFailedCalls(TestGateway gateway)
    {
        var requests = RequestLines(gateway, " /v1/");
        Assert.NotEmpty(requests);
        Assert.All(requests, l => Assert.Matches(@" (POST|HEAD|GET) \S+ 2\d\d ", l));
    }

    /// <summary>Claude Code asked for the model the run meant: its own Claude default, or the pool's name.</summary>
    private static void AssertAskedFor(TestGateway gateway, string model) =>
        AssertAskedFor(gateway, " /v1/messages ", model == DefaultModel ? " model=claude-" : $" model={model} ");

    /// <summary>Through an <c>openai/</c> pool: the Messages API translated to chat completions and back.</summary>
    public sealed class OpenAiPool(ITestOutputHelper output) : ClaudeCodeEndToEndTests(output, "openai");

    /// <summary>Through an <c>anthropic/</c> pool: the Messages API passed through.</summary>
    public sealed class AnthropicPool(ITestOutputHelper output) : ClaudeCodeEndToEndTests(output, "anthropic");
}
