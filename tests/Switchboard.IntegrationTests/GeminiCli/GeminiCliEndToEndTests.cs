using Switchboard.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace Switchboard.IntegrationTests.GeminiCli;

/// <summary>
/// The real Gemini CLI, <c>-p</c> mode, as users run it, against the gateway in front of the mock provider: every version
/// in gemini-cli-versions.txt, with <c>-m</c> naming the pool, and with its default model (no <c>-m</c>: it asks for its own Gemini
/// models, which the config's <c>gemini-*</c> wildcard routes). One subclass per kind of pool, both reached
/// through the OpenAI chat pivot (architecture decision 12), so that xunit runs the two side by side.
/// </summary>
public abstract class GeminiCliEndToEndTests(ITestOutputHelper output, string provider) : NpmCliEndToEndTests(output, "switchboard-gem-")
{
    /// <summary>No <c>-m</c>: Gemini CLI's own default models.</summary>
    public const string DefaultModel = "default";

    /// <summary>The pool's name, a <c>model_group_alias</c> of <c>gemini-*</c>.</summary>
    public const string PoolModel = "gemini-pool";

    public static TheoryData<string> Versions() => [.. GeminiCliRunner.Tool.Versions];

    [GeminiCliTheory]
    [MemberData(nameof(Versions))]
    public Task PromptMode_SayHiToThePool_PrintsMockAnswer(string version) => SayHiAsync(version, PoolModel);

    /// <summary>
    /// The router's JSON mode reaches an OpenAI-compatible upstream as <c>response_format</c>, and an <c>anthropic/</c>
    /// one as a forced JSON tool whose call comes back as text; either way the mock answers JSON and the router takes it
    /// (a prose answer would make Gemini CLI retry its router for about 100 s).
    /// </summary>
    [GeminiCliTheory]
    [MemberData(nameof(Versions))]
    public Task PromptMode_SayHiWithTheDefaultModel_PrintsMockAnswer(string version) => SayHiAsync(version, DefaultModel);

    /// <summary>
    /// No <c>-m</c>: Gemini CLI first asks its model router (a JSON-mode <c>generateContent</c> with a
    /// <c>responseJsonSchema</c>) which model to use, then streams from that one; both land in the <c>gemini-*</c> wildcard.
    /// </summary>
    protected async Task SayHiAsync(string version, string model)
    {
        var key = $"ok-gem-{provider}-{version}-{model}";
        await using var gateway = await GatewayAsync(key);

        var run = await GeminiCliRunner.RunAsync(version, gateway.BaseUrl, Project, Home, "say hi", model == DefaultModel ? null : model, RunTimeout);

        Report(gateway, run);
        Assert.False(run.TimedOut, run.ToString());
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains($"Hello from mock deployment {key} (model glm-4.6)", run.Stdout);
        AssertNoFailedCalls(gateway);
        AssertAskedFor(gateway, model);
        if (model == DefaultModel)
        {
            // The router took the first JSON answer: an answer it cannot parse makes it ask again and again.
            var routerCalls = gateway.Logs.Lines.Count(l => l.Contains("Switchboard.Api", StringComparison.Ordinal)
                && l.Contains(":generateContent ", StringComparison.Ordinal));
            Assert.True(routerCalls is >= 1 and <= 2, $"{routerCalls} router call(s)");
        }
    }

    [GeminiCliTheory]
    [MemberData(nameof(Versions))]
    public async Task PromptMode_ReadFileTurn_RunsToolAndPrintsAnswerWithFileContent(string version)
    {
        var key = $"ok-gem-tool-{provider}-{version}";
        var file = Path.Combine(Project, "notes.txt");
        await File.WriteAllTextAsync(file, "The secret word is pineapple.\n");
        await using var gateway = await GatewayAsync(key);

        // The mock answers the first call with a read_file call (a tool Gemini CLI declares and runs in -p mode without
        // asking); Gemini CLI reads the file and sends its content back as a functionResponse; the mock answers
        // "Tool result received: <the content>", which Gemini CLI prints.
        var prompt = "Read the notes file. mock-tool:read_file {\"file_path\":\"" + file + "\"}";
        var run = await GeminiCliRunner.RunAsync(version, gateway.BaseUrl, Project, Home, prompt, PoolModel, RunTimeout);

        Report(gateway, run);
        Assert.False(run.TimedOut, run.ToString());
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("Tool result received:", run.Stdout);
        Assert.Contains("The secret word is pineapple.", run.Stdout);
        Assert.True(Mock.Stats[key].Calls >= 2, $"{Mock.Stats[key].Calls} upstream call(s)");
        AssertNoFailedCalls(gateway);
    }

    /// <summary>The gateway with gemini-cli-e2e.yaml, its pool being one mock key of this class's kind.</summary>
    private Task<TestGateway> GatewayAsync(string key) => GatewayFromFileAsync("GeminiCli/gemini-cli-e2e.yaml", provider, key);

    /// <summary>Every call Gemini CLI made was answered with success: nothing it sends is refused.</summary>
    private static void AssertNoFailedCalls(TestGateway gateway)
    {
        var requests = RequestLines(gateway, " /v1beta/");
        Assert.NotEmpty(requests);
        Assert.All(requests, l => Assert.Matches(@" (POST|GET) \S+ 2\d\d ", l));
    }

    /// <summary>Gemini CLI asked for the model the run meant: its own Gemini default, or the pool's name.</summary>
    private static void AssertAskedFor(TestGateway gateway, string model) =>
        AssertAskedFor(gateway, ":streamGenerateContent", model == DefaultModel ? " model=gemini-" : $" model={model} ");

    /// <summary>Through an <c>openai/</c> pool: the pivot as is.</summary>
    public sealed class OpenAiPool(ITestOutputHelper output) : GeminiCliEndToEndTests(output, "openai");

    /// <summary>Through an <c>anthropic/</c> pool: the pivot composed with the pivot ⇄ Anthropic pair.</summary>
    public sealed class AnthropicPool(ITestOutputHelper output) : GeminiCliEndToEndTests(output, "anthropic");
}
