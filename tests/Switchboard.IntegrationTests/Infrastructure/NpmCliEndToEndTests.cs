using Switchboard.Config;
using Switchboard.MockProvider;
using Xunit.Abstractions;

namespace Switchboard.IntegrationTests.Infrastructure;

/// <summary>
/// What the end-to-end tests of a real coding CLI (<see cref="NpmCli"/>) share: a throwaway HOME and project folder
/// under the temp folder (no user setting, login or history of this machine takes part), the mock provider behind the
/// gateway, the gateway's log in the test's output, and the checks on that log.
/// </summary>
public abstract class NpmCliEndToEndTests(ITestOutputHelper output, string tempPrefix) : IAsyncLifetime
{
    /// <summary>A run of a real CLI on this loaded machine takes seconds; it is killed only when it is stuck.</summary>
    protected static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(120);

    private readonly string _root = Path.Combine(Path.GetTempPath(), tempPrefix + Guid.NewGuid().ToString("N")[..12]);

    /// <summary>The mock provider the gateway's pool points at; its <c>Stats</c> count the upstream calls per key.</summary>
    private protected MockProviderServer Mock { get; private set; } = null!;

    protected string Home => Path.Combine(_root, "home");

    protected string Project => Path.Combine(_root, "project");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Home);
        Directory.CreateDirectory(Project);
        Mock = await MockProviderServer.StartAsync(new MockProviderOptions { DefaultChunks = 4 }, CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await Mock.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    /// <summary>
    /// The gateway with the config file <paramref name="configFile"/> (relative to the integration tests' folder), whose
    /// pool is one mock key of kind <paramref name="provider"/>: it names POOL_MODEL, POOL_API_BASE and POOL_API_KEY.
    /// </summary>
    private protected Task<TestGateway> GatewayFromFileAsync(string configFile, string provider, string key)
    {
        var variables = new Dictionary<string, string>
        {
            ["POOL_MODEL"] = provider + "/glm-4.6",
            ["POOL_API_BASE"] = Mock.BaseUrl.ToString().TrimEnd('/') + (provider == "openai" ? "/v1" : ""),
            ["POOL_API_KEY"] = key,
        };
        var path = Path.Combine(RepoPaths.Root, "tests", "Switchboard.IntegrationTests", configFile);
        var loaded = ConfigLoader.LoadFile(path, name => variables.GetValueOrDefault(name));
        Assert.True(loaded.IsValid, string.Join("\n", loaded.Errors));
        return TestGateway.StartAsync(loaded.Config!);
    }

    /// <summary>The run and the gateway's own log lines, in the test's output.</summary>
    private protected void Report(TestGateway gateway, CliRun run)
    {
        output.WriteLine(run.ToString());
        foreach (var line in gateway.Logs.Lines.Where(l => l.Contains("Switchboard", StringComparison.Ordinal)))
        {
            output.WriteLine(line);
        }
    }

    /// <summary>The gateway's request log lines whose path holds <paramref name="pathPart"/> (" /v1/", " /v1beta/").</summary>
    private protected static List<string> RequestLines(TestGateway gateway, string pathPart) =>
        [.. gateway.Logs.Lines.Where(l => l.Contains(pathPart, StringComparison.Ordinal) && l.Contains("Switchboard.Api", StringComparison.Ordinal))];

    /// <summary>The CLI asked for the model the run meant: a request log line with <paramref name="pathPart"/> and <paramref name="modelPart"/>.</summary>
    private protected static void AssertAskedFor(TestGateway gateway, string pathPart, string modelPart) =>
        Assert.Contains(gateway.Logs.Lines, l => l.Contains("Switchboard.Api", StringComparison.Ordinal)
            && l.Contains(pathPart, StringComparison.Ordinal) && l.Contains(modelPart, StringComparison.Ordinal));
}
