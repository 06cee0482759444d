using System.Net;
using System.Text;
using Switchboard.Cli;
using Switchboard.Config;
using Switchboard.IntegrationTests.Infrastructure;
using Switchboard.MockProvider;

namespace Switchboard.IntegrationTests.Reload;

/// <summary>The config file reloaded while the gateway serves: kept deployments keep their state, nothing fails.</summary>
public sealed class HotReloadTests : IAsyncLifetime, IDisposable
{
    private const string MasterKey = "sk-master-reload-0123456789";
    private const string Chat = """{"model":"pool","messages":[{"role":"user","content":"hello there"}]}""";
    private const string ChatStream = """{"model":"pool","stream":true,"messages":[{"role":"user","content":"hello there"}]}""";

    private readonly string _dir = Directory.CreateTempSubdirectory("sb-reload-").FullName;
    private MockProviderServer _mock = null!;

    private string ConfigPath => Path.Combine(_dir, "litellm-config.yaml");

    public async Task InitializeAsync() =>
        _mock = await MockProviderServer.StartAsync(new MockProviderOptions { SlowDelay = TimeSpan.FromMilliseconds(100), DefaultChunks = 4 }, CancellationToken.None);

    public async Task DisposeAsync() => await _mock.DisposeAsync();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Reload_Under200ConcurrentCalls_NoCallFailsAndKeptDeploymentKeepsItsCooldown()
    {
        await File.WriteAllTextAsync(ConfigPath, Yaml(["slow-a", "slow-b", "rl-1"]));
        await using var gateway = await StartAsync();

        // Meet the rate-limited key first: it cools down for 60 s and the calls go on elsewhere.
        for (var i = 0; i < 3; i++)
        {
            using var warm = await gateway.Client.SendAsync(Post(Chat));
            Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
        }

        var cooling = gateway.Services.Router.Snapshot().Groups.Single().Deployments.Single(d => d.CoolingDown);
        Assert.True(cooling.CoolingDown);
        var cooldownLeft = cooling.CooldownSecondsLeft!.Value;

        var completed = 0;
        var halfway = new TaskCompletionSource();
        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256 }) { BaseAddress = gateway.BaseUrl, Timeout = TimeSpan.FromSeconds(60) };
        var calls = Enumerable.Range(0, 200).Select(async i =>
        {
            try
            {
                using var response = await client.SendAsync(Post(i % 3 == 0 ? ChatStream : Chat));
                var body = await response.Content.ReadAsStringAsync();
                return response.StatusCode == HttpStatusCode.OK && (i % 3 != 0 || body.Contains("[DONE]", StringComparison.Ordinal))
                    ? null
                    : $"call {i}: {(int)response.StatusCode} {body}";
            }
            finally
            {
                if (Interlocked.Increment(ref completed) == 20)
                {
                    halfway.TrySetResult();
                }
            }
        }).ToList();

        await halfway.Task.WaitAsync(TimeSpan.FromSeconds(60));
        await File.WriteAllTextAsync(ConfigPath, Yaml(["slow-a", "rl-1", "slow-c"]));
        using (var reload = await client.SendAsync(Admin("/config/reload")))
        {
            Assert.Equal(HttpStatusCode.OK, reload.StatusCode);
            var text = await reload.Content.ReadAsStringAsync();
            Assert.Contains("\"kept\":2", text, StringComparison.Ordinal);
            Assert.Contains("\"added\":1", text, StringComparison.Ordinal);
            Assert.Contains("\"removed\":1", text, StringComparison.Ordinal);
        }

        var failures = (await Task.WhenAll(calls)).Where(f => f is not null).ToList();
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(5)));

        var after = gateway.Services.Router.Snapshot().Groups.Single().Deployments;
        Assert.Equal(3, after.Count);
        var rl = Assert.Single(after, d => d.CoolingDown);
        Assert.Equal(cooling.Id, rl.Id);
        Assert.InRange(rl.CooldownSecondsLeft!.Value, 1, cooldownLeft);
        Assert.Equal(1, _mock.Stats["rl-1"].Calls);

        // The removed deployment drained and gets nothing more; the added one takes calls.
        var slowB = _mock.Stats["slow-b"].Calls;
        for (var i = 0; i < 6; i++)
        {
            using var response = await client.SendAsync(Post(Chat));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(slowB, _mock.Stats["slow-b"].Calls);
        Assert.True(_mock.Stats["slow-c"].Calls > 0, "the added deployment got no call");
    }

    [Fact]
    public async Task Reload_InvalidFile_RefusedWithErrorsAndOldConfigKept()
    {
        await File.WriteAllTextAsync(ConfigPath, Yaml(["ok-1"]));
        await using var gateway = await StartAsync();
        var before = gateway.Services.Config;

        await File.WriteAllTextAsync(ConfigPath, Yaml(["ok-1"]).Replace("model: openai/glm-4.6", "model: 42x/", StringComparison.Ordinal)
            .Replace("num_retries: 4", "num_retries: lots", StringComparison.Ordinal));
        using var reload = await gateway.Client.SendAsync(Admin("/config/reload"));

        Assert.Equal(HttpStatusCode.BadRequest, reload.StatusCode);
        var text = await reload.Content.ReadAsStringAsync();
        Assert.Contains("the config in force stays", text, StringComparison.Ordinal);
        Assert.Contains("num_retries", text, StringComparison.Ordinal);
        Assert.Same(before, gateway.Services.Config);
        Assert.Contains(gateway.Logs.Lines, l => l.Contains("refused on reload", StringComparison.Ordinal) && l.Contains("num_retries", StringComparison.Ordinal));
        using var call = await gateway.Client.SendAsync(Post(Chat));
        Assert.Equal(HttpStatusCode.OK, call.StatusCode);
    }

    [Fact]
    public async Task WatchFile_ValidChange_NewGroupServedAndInvalidChangeRefused()
    {
        await File.WriteAllTextAsync(ConfigPath, Yaml(["ok-1"]));
        await using var gateway = await StartAsync();

        await File.WriteAllTextAsync(ConfigPath, Yaml(["ok-1"]).Replace("model_list:\n", "model_list:\n" + Entry("ok-new", "fresh-pool"), StringComparison.Ordinal));
        await WaitForAsync(() => gateway.Services.Router.ResolveGroup("fresh-pool") is not null);
        using (var call = await gateway.Client.SendAsync(Post(Chat.Replace("\"pool\"", "\"fresh-pool\"", StringComparison.Ordinal))))
        {
            Assert.Equal(HttpStatusCode.OK, call.StatusCode);
        }

        var valid = gateway.Services.Config;
        await File.WriteAllTextAsync(ConfigPath, "model_list: [unclosed\n");
        await WaitForAsync(() => gateway.Logs.Lines.Any(l => l.Contains("refused on reload (file change)", StringComparison.Ordinal)));
        Assert.Same(valid, gateway.Services.Config);
        using var still = await gateway.Client.SendAsync(Post(Chat));
        Assert.Equal(HttpStatusCode.OK, still.StatusCode);
    }

    [Fact]
    public async Task WatchFile_TextAsAlreadyReloaded_ReloadsNothingAndDisabledKeyStaysOut()
    {
        await File.WriteAllTextAsync(ConfigPath, Yaml(["ok-1"]));
        await using var gateway = await StartAsync();
        var text = Yaml(["ok-1", "auth-refused-1"]);
        await File.WriteAllTextAsync(ConfigPath, text);
        using (var reload = await gateway.Client.SendAsync(Admin("/config/reload")))
        {
            Assert.Equal(HttpStatusCode.OK, reload.StatusCode);
        }

        // The mock refuses "auth-" keys with 401: the key is disabled on its first call.
        for (var i = 0; i < 4; i++)
        {
            using var call = await gateway.Client.SendAsync(Post(Chat));
            Assert.Equal(HttpStatusCode.OK, call.StatusCode);
        }

        Assert.Equal(1, _mock.Stats["auth-refused-1"].Calls);
        Assert.Single(gateway.Services.Router.Snapshot().Groups.Single().Deployments, d => d.Disabled);

        // The same text saved again (an editor's save; the write the explicit reload already read): the file events
        // settle into a reload that finds nothing new, and the disabled key stays out. On a loaded machine the first
        // write's own file event may have been handled before the explicit reload: only a line after this point counts.
        static bool FileChange(string line) => line.Contains("(file change)", StringComparison.Ordinal);
        var before = gateway.Logs.Lines.Count(FileChange);
        await File.WriteAllTextAsync(ConfigPath, text);
        await WaitForAsync(() => gateway.Logs.Lines.Count(FileChange) > before);
        for (var i = 0; i < 4; i++)
        {
            using var call = await gateway.Client.SendAsync(Post(Chat));
            Assert.Equal(HttpStatusCode.OK, call.StatusCode);
        }

        Assert.Equal(1, _mock.Stats["auth-refused-1"].Calls);
        Assert.Single(gateway.Services.Router.Snapshot().Groups.Single().Deployments, d => d.Disabled);
        Assert.Contains("unchanged since it was last loaded (file change)", gateway.Logs.Lines.Where(FileChange).Skip(before).First(), StringComparison.Ordinal);

        // An explicit reload still brings it back (architecture decision 2).
        using (var reload = await gateway.Client.SendAsync(Admin("/config/reload")))
        {
            Assert.Equal(HttpStatusCode.OK, reload.StatusCode);
        }

        Assert.DoesNotContain(gateway.Services.Router.Snapshot().Groups.Single().Deployments, d => d.Disabled);
    }

    [Fact]
    public async Task WatchFile_EditedBetweenLoadAndWatch_NextSaveOfThatTextIsApplied()
    {
        // The file is edited after the gateway read it and before its watcher started: the config in force is the
        // first text. The watcher must compare later saves with that text, not with a second read of the file.
        await File.WriteAllTextAsync(ConfigPath, Yaml(["ok-1"]));
        var loaded = ConfigLoader.LoadOrThrow(ConfigPath);
        var edited = Yaml(["ok-1"]).Replace("model_list:\n", "model_list:\n" + Entry("ok-new", "fresh-pool"), StringComparison.Ordinal);
        await File.WriteAllTextAsync(ConfigPath, edited);
        await using var gateway = await TestGateway.StartAsync(loaded, databasePath: Path.Combine(_dir, "switchboard.db"));
        Assert.Null(gateway.Services.Router.ResolveGroup("fresh-pool"));

        await File.WriteAllTextAsync(ConfigPath, edited);

        await WaitForAsync(() => gateway.Services.Router.ResolveGroup("fresh-pool") is not null);
    }

    [Fact]
    public async Task ReloadCommand_RunningGateway_PrintsWhatChanged()
    {
        await File.WriteAllTextAsync(ConfigPath, Yaml(["ok-1", "ok-2"]));
        await using var gateway = await StartAsync();
        await File.WriteAllTextAsync(ConfigPath, Yaml(["ok-1", "ok-3"]));
        var output = new StringWriter();
        var errors = new StringWriter();

        var code = await ReloadCommand.RunAsync(gateway.BaseUrl.ToString(), MasterKey, output, errors, CancellationToken.None);

        Assert.Equal(0, code);
        Assert.Equal("config reloaded: 1 deployment(s) kept, 1 added, 1 removed, 1 model group(s)", output.ToString().Trim());
        Assert.Equal(1, await ReloadCommand.RunAsync(gateway.BaseUrl.ToString(), "sk-wrong-key-0123456789", output, errors, CancellationToken.None));
        Assert.Contains("401", errors.ToString(), StringComparison.Ordinal);
    }

    private async Task<TestGateway> StartAsync() =>
        await TestGateway.StartAsync(ConfigLoader.LoadOrThrow(ConfigPath), databasePath: Path.Combine(_dir, "switchboard.db"));

    private string Entry(string key, string group = "pool") => $"""
          - model_name: {group}
            litellm_params:
              model: openai/glm-4.6
              api_base: {_mock.BaseUrl.ToString().TrimEnd('/')}/v1
              api_key: {key}

        """;

    private string Yaml(string[] keys) =>
        "model_list:\n" + string.Concat(keys.Select(k => Entry(k))) + $"""
        router_settings:
          num_retries: 4
          adaptive_limits: false
        general_settings:
          master_key: {MasterKey}

        """;

    private static HttpRequestMessage Post(string body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + MasterKey);
        return request;
    }

    private static HttpRequestMessage Admin(string path)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path);
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + MasterKey);
        return request;
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(50);
        }

        Assert.True(condition(), "not within 10 s");
    }
}
