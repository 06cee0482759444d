using Switchboard.Config;
using Switchboard.IntegrationTests.Infrastructure;
using Switchboard.MockProvider;
using Xunit.Abstractions;

namespace Switchboard.IntegrationTests.ClaudeCode;

/// <summary>
/// The real Claude Code CLI, print mode, as users run it, against the gateway in front of the mock provider: every
/// version in claude-code-versions.txt, with its default model (no <c>ANTHROPIC_MODEL</c>: it asks for its own Claude
/// model, which the config's <c>claude-*</c> wildcard routes) and with <c>ANTHROPIC_MODEL</c> set to the pool's name.
/// One subclass per kind of pool (<see cref="OpenAiPool"/> translated, <see cref="AnthropicPool"/> passthrough), so
/// that xunit runs the two side by side.
/// </summary>
public abstract class ClaudeCodeEndToEndTests(ITestOutputHelper output, string provider) : IAsyncLifetime
{
    /// <summary>No <c>ANTHROPIC_MODEL</c>: Claude Code's own default (claude-opus-4-8 in 2.1.197, claude-opus-5-5 in 2.1.332).</summary>
    public const string DefaultModel = "default";

    /// <summary>The pool's name, as the README suggests (a <c>model_group_alias</c> of <c>claude-*</c>).</summary>
    public const string PoolModel = "glm-pool";

    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(120);
    private readonly string _root = Path.Combine(Path.GetTempPath(), "switchboard-cc-" + Guid.NewGuid().ToString("N")[..12]);
    private MockProviderServer _mock = null!;

    /// <summary>Every version × model choice.</summary>
    public static TheoryData<string, string> Runs()
    {
        var data = new TheoryData<string, string>();
        foreach (var version in ClaudeCodeVersions.All)
        {
            data.Add(version, DefaultModel);
            data.Add(version, PoolModel);
        }

        return data;
    }

    private string Home => Path.Combine(_root, "home");

    private string Project => Path.Combine(_root, "project");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Home);
        Directory.CreateDirectory(Project);
        _mock = await MockProviderServer.StartAsync(new MockProviderOptions { DefaultChunks = 4 }, CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await _mock.DisposeAsync();
        Directory.Delete(_root, recursive: true);
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
        Assert.True(_mock.Stats[key].Calls >= 1);
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
        Assert.True(_mock.Stats[key].Calls >= 2, $"{_mock.Stats[key].Calls} upstream call(s)");
        AssertNoFailedCalls(gateway);
        AssertAskedFor(gateway, model);
    }

    private static string? AnthropicModel(string model) => model == DefaultModel ? null : model;

    /// <summary>The gateway with claude-code-e2e.yaml, its pool being one mock key of this class's kind.</summary>
    private Task<TestGateway> GatewayAsync(string key)
    {
        var variables = new Dictionary<string, string>
        {
            ["POOL_MODEL"] = provider + "/glm-4.6",
            ["POOL_API_BASE"] = _mock.BaseUrl.ToString().TrimEnd('/') + (provider == "openai" ? "/v1" : ""),
            ["POOL_API_KEY"] = key,
        };
        var path = Path.Combine(RepoPaths.Root, "tests", "Switchboard.IntegrationTests", "ClaudeCode", "claude-code-e2e.yaml");
        var loaded = ConfigLoader.LoadFile(path, name => variables.GetValueOrDefault(name));
        Assert.True(loaded.IsValid, string.Join("\n", loaded.Errors));
        return TestGateway.StartAsync(loaded.Config!);
    }

    private void Report(TestGateway gateway, ClaudeCodeRun run)
    {
        output.WriteLine(run.ToString());
        foreach (var line in gateway.Logs.Lines.Where(l => l.Contains("Switchboard", StringComparison.Ordinal)))
        {
            output.WriteLine(line);
        }
    }

    /// <summary>Every call Claude Code made was answered with success: nothing it sends (betas, unknown fields, probes) is refused.</summary>
    private static void AssertNoFailedCalls(TestGateway gateway)
    {
        var requests = gateway.Logs.Lines.Where(l => l.Contains(" /v1/", StringComparison.Ordinal) && l.Contains("Switchboard.Api", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(requests);
        Assert.All(requests, l => Assert.Matches(@" (POST|HEAD|GET) \S+ 2\d\d ", l));
    }

    /// <summary>Claude Code asked for the model the run meant: its own Claude default, or the pool's name.</summary>
    private static void AssertAskedFor(TestGateway gateway, string model)
    {
        var expected = model == DefaultModel ? " model=claude-" : $" model={model} ";
        Assert.Contains(gateway.Logs.Lines, l => l.Contains("Switchboard.Api", StringComparison.Ordinal)
            && l.Contains(" /v1/messages ", StringComparison.Ordinal) && l.Contains(expected, StringComparison.Ordinal));
    }

    /// <summary>Through an <c>openai/</c> pool: the Messages API translated to chat completions and back.</summary>
    public sealed class OpenAiPool(ITestOutputHelper output) : ClaudeCodeEndToEndTests(output, "openai");

    /// <summary>Through an <c>anthropic/</c> pool: the Messages API passed through.</summary>
    public sealed class AnthropicPool(ITestOutputHelper output) : ClaudeCodeEndToEndTests(output, "anthropic");
}
