using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Switchboard.Cli;
using Switchboard.Config;
using Switchboard.IntegrationTests.Infrastructure;

namespace Switchboard.IntegrationTests.Cli;

/// <summary><c>switchboard keys</c> and <c>usage</c> against a running gateway on loopback, through its admin API.</summary>
public sealed class CliOnlineTests : IAsyncLifetime
{
    private const string Master = "sk-master-cli-test-0123456789";
    private TestGateway _gateway = null!;

    public async Task InitializeAsync()
    {
        var priced = Configs.Mock("glm-pool", "dep-a", response: "one two three") with
        {
            ModelInfo = new ModelInfoConfig { InputCostPerToken = 0.001, OutputCostPerToken = 0.002 },
        };
        _gateway = await TestGateway.StartAsync(new GatewayConfig
        {
            ModelList = [priced, Configs.Mock("other-pool", "dep-o", index: 1)],
            General = new GeneralSettings { MasterKey = Master },
        });
    }

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    private Task<CliRun> RunAsync(params string[] args) =>
        CliRunner.RunAsync([.. args, "--url", _gateway.BaseUrl.ToString(), "--master-key", Master]);

    private async Task<HttpStatusCode> ChatAsync(string key, string model = "glm-pool")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent($$"""{"model":"{{model}}","messages":[{"role":"user","content":"hello there friend"}]}""",
                Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var response = await _gateway.Client.SendAsync(request);
        return response.StatusCode;
    }

    /// <summary>Usage records are written in the background (every 200 ms); asks again until the row shows them.</summary>
    private async Task<CliRun> UsageWhenAsync(string by, string name, string requests)
    {
        CliRun run;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        do
        {
            run = await RunAsync("usage", "--by", by, "--since", "1h");
            Assert.True(run.ExitCode == 0, run.ToString());
            if (CliRunner.Row(run.Output, name)?[1] == requests)
            {
                return run;
            }

            await Task.Delay(100);
        }
        while (DateTime.UtcNow < deadline);

        Assert.Fail($"usage never showed {requests} requests for {name}:\n{run}");
        return run;
    }

    [Fact]
    public async Task KeysCreate_ThenChatCalls_UsageByKeyModelDeploymentShowsThem()
    {
        var create = await RunAsync("keys", "create", "--alias", "alice", "--models", "glm-pool", "--max-budget", "5",
            "--budget-duration", "30d", "--rpm", "100", "--duration", "7d");
        var key = CliRunner.CreatedKey(create);
        Assert.Contains("alias:     alice\n", create.Output, StringComparison.Ordinal);
        Assert.Contains("budget:    5.00 USD every 30d\n", create.Output, StringComparison.Ordinal);
        Assert.Contains("rpm:       100\n", create.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("expires:   never", create.Output, StringComparison.Ordinal);
        var other = CliRunner.CreatedKey(await RunAsync("keys", "create", "--alias", "bob"));

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, await ChatAsync(key));
        }

        Assert.Equal(HttpStatusCode.OK, await ChatAsync(other, "other-pool"));

        var byKey = await UsageWhenAsync("key", "alice", "3");
        var alice = CliRunner.Row(byKey.Output, "alice")!;
        var bob = CliRunner.Row(byKey.Output, "bob")!;
        Assert.Equal("0", alice[2]);
        Assert.True(double.Parse(alice[5], CultureInfo.InvariantCulture) > 0, byKey.Output);
        Assert.True(long.Parse(alice[3], NumberStyles.AllowThousands, CultureInfo.InvariantCulture) > 0, byKey.Output);
        Assert.Equal("1", bob[1]);
        Assert.True(byKey.Output.IndexOf("alice", StringComparison.Ordinal) < byKey.Output.IndexOf("bob", StringComparison.Ordinal),
            "sorted by cost: alice's priced calls before bob's free one\n" + byKey.Output);
        Assert.Equal("4", CliRunner.Row(byKey.Output, "TOTAL")?[1]);
        Assert.DoesNotContain(key, byKey.Output, StringComparison.Ordinal);

        var byModel = await RunAsync("usage", "--by", "model", "--since", "1h");
        Assert.Equal("3", CliRunner.Row(byModel.Output, "glm-pool")?[1]);
        var byDeployment = await RunAsync("usage", "--by", "deployment", "--since", "30m");
        Assert.Equal("3", CliRunner.Row(byDeployment.Output, "dep-a (glm-pool)")?[1]);
    }

    [Fact]
    public async Task KeysListInfoRevoke_ByAlias_KeyRefusedAfterRevoke()
    {
        var key = CliRunner.CreatedKey(await RunAsync("keys", "create", "--alias", "carol", "--tpm", "5000"));
        Assert.Equal(HttpStatusCode.OK, await ChatAsync(key));

        var list = await RunAsync("keys", "list");
        Assert.Equal(0, list.ExitCode);
        var row = CliRunner.Row(list.Output, "carol");
        Assert.NotNull(row);
        Assert.Equal("sk-..." + key[^4..], row[1]);
        Assert.Equal("-/5,000", row[5]);
        Assert.DoesNotContain(key, list.Output, StringComparison.Ordinal);

        var info = await RunAsync("keys", "info", row[2]);
        Assert.True(info.ExitCode == 0, info.ToString());
        Assert.Contains("alias:     carol\n", info.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("spend:     0.00 USD", info.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(key, info.Output, StringComparison.Ordinal);

        var revoke = await RunAsync("keys", "revoke", "carol");
        Assert.True(revoke.ExitCode == 0, revoke.ToString());
        Assert.StartsWith("revoked carol", revoke.Output, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, await ChatAsync(key));

        var gone = await RunAsync("keys", "info", "carol");
        Assert.Equal(1, gone.ExitCode);
        Assert.Contains("error: no key 'carol'", gone.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KeysRevoke_UnknownRawKey_Exit1AndKeyMasked()
    {
        const string unknown = "sk-this-key-does-not-exist-0123";

        var run = await RunAsync("keys", "revoke", unknown);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("no key 'sk-...0123'", run.Errors, StringComparison.Ordinal);
        Assert.DoesNotContain(unknown, run.Errors + run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Keys_WrongMasterKey_Exit1With401()
    {
        var run = await CliRunner.RunAsync("keys", "list", "--url", _gateway.BaseUrl.ToString(), "--master-key", "sk-wrong-master-key-000");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("refused the master key (401)", run.Errors, StringComparison.Ordinal);
        Assert.Empty(run.Output);
    }

    [Fact]
    public async Task Status_RunningGateway_PrintsEveryDeployment()
    {
        using var output = new StringWriter();
        using var errors = new StringWriter();

        var exitCode = await StatusCommand.RunAsync(_gateway.BaseUrl.ToString(), Master, output, errors, CancellationToken.None);

        Assert.True(exitCode == 0, errors.ToString());
        Assert.Contains("dep-a", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("dep-o", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_WrongMasterKey_Exit1WithTheGatewaysAnswerAndNoKey()
    {
        const string wrong = "sk-wrong-master-key-987654321";
        using var output = new StringWriter();
        using var errors = new StringWriter();

        var exitCode = await StatusCommand.RunAsync(_gateway.BaseUrl.ToString(), wrong, output, errors, CancellationToken.None);

        Assert.Equal(1, exitCode);
        Assert.Contains("answered 401", errors.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(wrong, errors.ToString() + output, StringComparison.Ordinal);
        Assert.Empty(output.ToString());
    }

    [Fact]
    public async Task Usage_NoGatewayAnswering_Exit1WithClearError()
    {
        // Nothing listens there.
        var port = RepoPaths.FreePort();

        var run = await CliRunner.RunAsync("usage", "--url", $"http://127.0.0.1:{port}", "--master-key", Master);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"no gateway answering at http://127.0.0.1:{port}", run.Errors, StringComparison.Ordinal);
    }
}
