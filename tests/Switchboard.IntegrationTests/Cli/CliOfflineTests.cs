using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Switchboard.Auth;
using Switchboard.Config;
using Switchboard.IntegrationTests.Infrastructure;
using Switchboard.Storage;

namespace Switchboard.IntegrationTests.Cli;

/// <summary><c>switchboard keys</c> and <c>usage</c> with no gateway running: straight on a SQLite file.</summary>
public sealed class CliOfflineTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("switchboard-cli-").FullName;

    private string ConfigPath => Path.Combine(_directory, "litellm-config.yaml");

    private string DatabasePath => Path.Combine(_directory, "switchboard.db");

    public CliOfflineTests() => File.WriteAllText(ConfigPath, """
        model_list:
          - model_name: glm-pool
            litellm_params: {model: mock/glm-4.6, api_key: ok-mock-1}
        general_settings:
          master_key: sk-offline-master-0123456789
        """);

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task KeysCreateListInfoRevoke_WithConfig_DatabaseBesideConfigAndKeyHashedOnly()
    {
        var create = await CliRunner.RunAsync("keys", "create", "--config", ConfigPath, "--alias", "dave", "--max-budget", "1.5", "--rpm", "10");
        var key = CliRunner.CreatedKey(create);
        Assert.True(File.Exists(DatabasePath), "the gateway's rule: switchboard.db beside the config");

        var list = await CliRunner.RunAsync("keys", "list", "--config", ConfigPath);
        Assert.True(list.ExitCode == 0, list.ToString());
        var row = CliRunner.Row(list.Output, "dave")!;
        Assert.Equal(["dave", "sk-..." + key[^4..], KeyHasher.Hash(key)[..12]], row[..3]);
        Assert.Equal("0.00/1.50", row[4]);

        var info = await CliRunner.RunAsync("keys", "info", key, "--config", ConfigPath);
        Assert.Contains("budget:    1.50 USD (1.50 left)\n", info.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(key, info.Output, StringComparison.Ordinal);

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        var bytes = string.Concat(new[] { "", "-wal" }.Where(s => File.Exists(DatabasePath + s))
            .Select(s => Encoding.Latin1.GetString(File.ReadAllBytes(DatabasePath + s))));
        Assert.DoesNotContain(key, bytes, StringComparison.Ordinal);

        var revoke = await CliRunner.RunAsync("keys", "revoke", "dave", "--config", ConfigPath);
        Assert.True(revoke.ExitCode == 0, revoke.ToString());
        Assert.Contains("note: a running gateway may still accept", revoke.Output, StringComparison.Ordinal);
        var after = await CliRunner.RunAsync("keys", "list", "--config", ConfigPath);
        Assert.StartsWith("no keys", after.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Usage_DatabaseUrl_SumsRecordsInWindowByModel()
    {
        var now = DateTimeOffset.UtcNow;
        await using (var store = new SqliteGatewayStore(DatabasePath))
        {
            await store.MigrateAsync(CancellationToken.None);
            UsageRecord Record(string group, double cost, int status, TimeSpan age) => new()
            {
                Time = now - age,
                RequestId = Guid.NewGuid().ToString("N"),
                ModelGroup = group,
                DeploymentId = group + "-1",
                HttpStatus = status,
                ErrorClass = status == 200 ? null : "upstream_5xx",
                PromptTokens = 1000,
                CompletionTokens = 200,
                Cost = cost,
            };
            await store.WriteUsageAsync(
            [
                Record("glm-pool", 0.25, 200, TimeSpan.FromMinutes(5)),
                Record("glm-pool", 0, 502, TimeSpan.FromMinutes(10)),
                Record("claude", 1.5, 200, TimeSpan.FromMinutes(20)),
                Record("claude", 9, 200, TimeSpan.FromHours(3)),
            ], CancellationToken.None);
        }

        var run = await CliRunner.RunAsync("usage", "--by", "model", "--since", "1h", "--database-url", DatabasePath);

        Assert.True(run.ExitCode == 0, run.ToString());
        var lines = run.Output.Split('\n');
        Assert.StartsWith("MODEL", lines[1], StringComparison.Ordinal);
        Assert.Equal(["claude", "1", "0", "1,000", "200", "1.50"], CliRunner.Row(run.Output, "claude")!);
        Assert.Equal(["glm-pool", "2", "1", "2,000", "400", "0.25"], CliRunner.Row(run.Output, "glm-pool")!);
        Assert.Equal(["TOTAL", "3", "1", "3,000", "600", "1.75"], CliRunner.Row(run.Output, "TOTAL")!);
        Assert.True(lines[2].StartsWith("claude", StringComparison.Ordinal), "highest cost first\n" + run.Output);
        Assert.Equal(lines[1].Length, lines[2].Length);
    }

    [Fact]
    public async Task KeysList_NoDatabaseYet_Exit1NamesThePath()
    {
        var run = await CliRunner.RunAsync("keys", "list", "--config", ConfigPath);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("no database at " + DatabasePath, run.Errors, StringComparison.Ordinal);
        Assert.False(File.Exists(DatabasePath));
    }

    [Theory]
    [InlineData("keys", "list")]
    [InlineData("usage", "--by", "model")]
    public async Task Offline_PostgresUnreachable_Exit1OneLineWithoutThePassword(params string[] command)
    {
        var port = RepoPaths.FreePort();

        var run = await CliRunner.RunAsync([.. command, "--database-url", $"postgresql://sb:pw-secret-0451@127.0.0.1:{port}/sb"]);

        Assert.True(run.ExitCode == 1, run.ToString());
        var line = Assert.Single(run.Errors.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"error: cannot open the database (PostgreSQL at 127.0.0.1:{port}, database sb): ", line, StringComparison.Ordinal);
        Assert.DoesNotContain("pw-secret-0451", run.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task KeysInfo_MissingConfig_Exit2()
    {
        var run = await CliRunner.RunAsync("keys", "info", "x", "--config", Path.Combine(_directory, "nope.yaml"));

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("not found", run.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KeysCreate_Offline_KeyAcceptedByGatewayOnSameDatabase()
    {
        var key = CliRunner.CreatedKey(await CliRunner.RunAsync("keys", "create", "--database-url", DatabasePath, "--alias", "erin"));
        var gateway = await TestGateway.StartAsync(new GatewayConfig
        {
            ModelList = [Configs.Mock("glm-pool", "dep-a")],
            General = new GeneralSettings { MasterKey = "sk-offline-master-0123456789" },
        }, databasePath: DatabasePath);
        await using (gateway)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
            {
                Content = new StringContent("""{"model":"glm-pool","messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"),
            };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
            using var response = await gateway.Client.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

    }
}
