using Switchboard.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace Switchboard.IntegrationTests.Codex;

/// <summary>
/// The real Codex CLI (<c>codex exec</c>, every version in codex-versions.txt) against the gateway in front of the mock
/// provider, configured as the README tells a user: a custom provider with <c>wire_api = "responses"</c>. One subclass
/// per kind of pool (<c>openai/</c>: the pivot as is; <c>anthropic/</c>: composed with the pivot ⇄ Anthropic pair).
/// </summary>
public abstract class CodexEndToEndTests(ITestOutputHelper output, string provider) : NpmCliEndToEndTests(output, "switchboard-codex-")
{
    private const string Model = "codex-pool";

    public static TheoryData<string> Versions() => [.. CodexCli.Tool.Versions];

    [CodexTheory]
    [MemberData(nameof(Versions))]
    public async Task Exec_SayHi_PrintsMockAnswer(string version)
    {
        var key = $"ok-codex-{provider}-{version}";
        await using var gateway = await TestGateway.StartAsync(Configs.Of(Configs.Http(Model, "dep-codex", Mock.BaseUrl, key, provider: provider)));

        var run = await CodexCli.RunAsync(version, gateway.BaseUrl, Model, Project, Home, "say hi", RunTimeout);

        Report(gateway, run);
        Assert.False(run.TimedOut, run.ToString());
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains($"Hello from mock deployment {key} (model glm-4.6)", run.Stdout);
        Assert.True(Mock.Stats[key].Calls >= 1);
        AssertNoFailedCalls(gateway);
    }

    [CodexTheory]
    [MemberData(nameof(Versions))]
    public async Task Exec_ShellToolTurn_RunsCommandAndPrintsAnswerWithItsOutput(string version)
    {
        var key = $"ok-codex-tool-{provider}-{version}";
        await using var gateway = await TestGateway.StartAsync(Configs.Of(Configs.Http(Model, "dep-codex", Mock.BaseUrl, key, provider: provider)));

        // The mock answers the first call with Codex's shell tool (exec_command in 0.169 and later); Codex runs it and
        // sends the output back; the mock answers "Tool result received: <the output>", which Codex prints.
        var prompt = "Run the check. mock-tool:exec_command {\"cmd\":\"echo switchboard-codex-$((40+2))\"}";
        var run = await CodexCli.RunAsync(version, gateway.BaseUrl, Model, Project, Home, prompt, RunTimeout);

        Report(gateway, run);
        Assert.False(run.TimedOut, run.ToString());
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("Tool result received:", run.Stdout);
        // The shell computed it: the mock could only have quoted "$((40+2))" back.
        Assert.Contains("switchboard-codex-42", run.Stdout);
        Assert.True(Mock.Stats[key].Calls >= 2, $"{Mock.Stats[key].Calls} upstream call(s)");
        AssertNoFailedCalls(gateway);
    }

    /// <summary>
    /// Codex offers <c>apply_patch</c> as a <c>custom</c> (free-form) tool to the models it knows for it (<c>gpt-5.5</c>, the
    /// pool's name here): the gateway offers the upstream a function of one string, and turns the mock's call of it back
    /// into a <c>custom_tool_call</c>, which Codex applies (creating the file) and answers with a <c>custom_tool_call_output</c>.
    /// </summary>
    [CodexTheory]
    [MemberData(nameof(Versions))]
    public async Task Exec_ApplyPatchCustomTool_CreatesTheFileAndPrintsAnswer(string version)
    {
        const string patchModel = "gpt-5.5";
        var key = $"ok-codex-patch-{provider}-{version}";
        await using var gateway = await TestGateway.StartAsync(Configs.Of(Configs.Http(patchModel, "dep-codex", Mock.BaseUrl, key, provider: provider)));

        // The directive's JSON holds the patch with its newlines escaped (\n), as a model's function arguments would.
        const string prompt = """Create the file. mock-tool:apply_patch {"input":"*** Begin Patch\n*** Add File: made-by-patch.txt\n+switchboard patched this\n*** End Patch\n"}""";
        var run = await CodexCli.RunAsync(version, gateway.BaseUrl, patchModel, Project, Home, prompt, RunTimeout);

        Report(gateway, run);
        Assert.False(run.TimedOut, run.ToString());
        Assert.True(run.ExitCode == 0, run.ToString());
        var file = Path.Combine(Project, "made-by-patch.txt");
        Assert.True(File.Exists(file), "apply_patch did not create the file\n" + run);
        Assert.Equal("switchboard patched this", (await File.ReadAllTextAsync(file)).TrimEnd('\n'));
        Assert.Contains("Tool result received:", run.Stdout);
        Assert.True(Mock.Stats[key].Calls >= 2, $"{Mock.Stats[key].Calls} upstream call(s)");
        AssertNoFailedCalls(gateway);
    }

    /// <summary>Every call Codex made was answered with success: nothing it sends (namespaces, web_search, include…) is refused.</summary>
    private static void AssertNoFailedCalls(TestGateway gateway)
    {
        var requests = RequestLines(gateway, " /v1/");
        Assert.Contains(requests, l => l.Contains("POST /v1/responses ", StringComparison.Ordinal));
        Assert.All(requests, l => Assert.Matches(@" (POST|HEAD|GET) \S+ 2\d\d ", l));
    }
}

public sealed class CodexOpenAiPoolTests(ITestOutputHelper output) : CodexEndToEndTests(output, "openai");

public sealed class CodexAnthropicPoolTests(ITestOutputHelper output) : CodexEndToEndTests(output, "anthropic");
