using Switchboard.Config;
using Switchboard.IntegrationTests.Infrastructure;
using Switchboard.MockProvider;
using Xunit.Abstractions;

namespace Switchboard.IntegrationTests.ClaudeCode;

/// <summary>
/// The real Claude Code CLI, print mode, against the gateway in front of the mock provider: every Claude model name it
/// asks for is routed by a wildcard group. Both kinds of pool: OpenAI-format upstreams (translated) and anthropic/ ones.
/// </summary>
public sealed class ClaudeCodeEndToEndTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(120);
    private readonly string _root = Path.Combine(Path.GetTempPath(), "switchboard-cc-" + Guid.NewGuid().ToString("N")[..12]);
    private MockProviderServer _mock = null!;

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

    private Task<TestGateway> GatewayAsync(string provider, string key) => TestGateway.StartAsync(new GatewayConfig
    {
        ModelList = [Configs.Http("claude-*", "dep-" + key, _mock.BaseUrl, key, provider)],
        Router = new RouterSettings { NumRetries = 1 },
    });

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

    [ClaudeCodeTheory]
    [InlineData("openai")]
    [InlineData("anthropic")]
    public async Task PrintMode_PrintsMockAnswer(string provider)
    {
        var key = "ok-cc-" + provider;
        await using var gateway = await GatewayAsync(provider, key);

        var run = await ClaudeCodeCli.RunAsync(gateway.BaseUrl, Project, Home, "Say hello.", RunTimeout, "--max-turns", "2");

        Report(gateway, run);
        Assert.False(run.TimedOut, run.ToString());
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains($"Hello from mock deployment {key} (model glm-4.6)", run.Stdout);
        Assert.True(_mock.Stats[key].Calls >= 1);
        AssertNoFailedCalls(gateway);
    }

    [ClaudeCodeTheory]
    [InlineData("openai")]
    [InlineData("anthropic")]
    public async Task PrintMode_ReadToolTurn_RunsToolAndPrintsAnswerWithFileContent(string provider)
    {
        var key = "ok-cc-tool-" + provider;
        var file = Path.Combine(Project, "notes.txt");
        await File.WriteAllTextAsync(file, "The secret word is pineapple.\n");
        await using var gateway = await GatewayAsync(provider, key);

        // The mock answers the first call with a Read tool call; Claude Code reads the file and sends the result back;
        // the mock answers "Tool result received: <the result>", which Claude Code prints.
        var prompt = "Read the notes file. mock-tool:Read {\"file_path\":\"" + file + "\"}";
        var run = await ClaudeCodeCli.RunAsync(gateway.BaseUrl, Project, Home, prompt, RunTimeout, "--max-turns", "4", "--allowedTools", "Read");

        Report(gateway, run);
        Assert.False(run.TimedOut, run.ToString());
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("Tool result received:", run.Stdout);
        Assert.Contains("The secret word is pineapple.", run.Stdout);
        Assert.True(_mock.Stats[key].Calls >= 2, $"{_mock.Stats[key].Calls} upstream call(s)");
        AssertNoFailedCalls(gateway);
    }

    [ClaudeCodeFact]
    public async Task Cli_IsInstalledAndReportsVersion()
    {
        var version = await ClaudeCodeCli.VersionAsync();

        output.WriteLine(version);
        Assert.Matches(@"^\d+\.\d+\.\d+ \(Claude Code\)$", version);
    }
}
