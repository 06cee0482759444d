using System.Net;
using System.Text;
using Microsoft.Data.Sqlite;
using Switchboard.IntegrationTests.Infrastructure;
using Switchboard.MockProvider;
using Switchboard.Models;
using static Switchboard.IntegrationTests.Models.ModelApi;

namespace Switchboard.IntegrationTests.Models;

/// <summary>LiteLLM's /model/new, /model/update, /model/delete and /model/info with store_model_in_db, on SQLite, over real sockets.</summary>
public sealed class ModelManagementTests : IAsyncLifetime
{
    private readonly string _database = Path.Combine(Path.GetTempPath(), "switchboard-models-" + Guid.NewGuid().ToString("N") + ".db");
    private MockProviderServer _mock = null!;

    public async Task InitializeAsync() =>
        _mock = await MockProviderServer.StartAsync(new MockProviderOptions { Port = 0, SlowDelay = TimeSpan.FromMilliseconds(1500) }, CancellationToken.None);

    public async Task DisposeAsync()
    {
        await _mock.DisposeAsync();
        DeleteDatabase(_database);
    }

    [Fact]
    public async Task ModelNew_ThenCallToTheNewGroup_Succeeds()
    {
        await using var gateway = await TestGateway.StartAsync(StoreConfig(deployments: Configs.Http("glm", "file-1", _mock.BaseUrl, "ok-file-1")), databasePath: _database);
        Assert.Equal(HttpStatusCode.BadRequest, await ChatAsync(gateway, "added"));

        var (status, body) = await PostAsync(gateway, "/model/new", NewBody("added", _mock.BaseUrl, "ok-added-key-1"));

        Assert.Equal(HttpStatusCode.OK, status);
        var id = body.GetProperty("model_id").GetString()!;
        Assert.Equal(id, body.GetProperty("model_info").GetProperty("id").GetString());
        Assert.True(body.GetProperty("model_info").GetProperty("db_model").GetBoolean());
        Assert.DoesNotContain("ok-added-key-1", body.GetRawText(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, await ChatAsync(gateway, "added"));
        Assert.Equal(1, _mock.Stats["ok-added-key-1"].Calls);
        Assert.Equal(HttpStatusCode.OK, await ChatAsync(gateway, "glm"));
    }

    [Fact]
    public async Task ModelNew_NoDeploymentInTheFile_TheStoredOneServes()
    {
        await using var gateway = await TestGateway.StartAsync(StoreConfig(), databasePath: _database);

        var (status, _) = await PostAsync(gateway, "/model/new", NewBody("only", _mock.BaseUrl, "ok-only-stored"));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(HttpStatusCode.OK, await ChatAsync(gateway, "only"));
        Assert.Equal(1, _mock.Stats["ok-only-stored"].Calls);
    }

    [Fact]
    public async Task ModelUpdate_NewApiBaseAndKey_CallsFollow()
    {
        await using var other = await MockProviderServer.StartAsync(new MockProviderOptions { Port = 0 }, CancellationToken.None);
        await using var gateway = await TestGateway.StartAsync(StoreConfig(deployments: Configs.Http("glm", "file-1", _mock.BaseUrl, "ok-file-1")), databasePath: _database);
        var (_, created) = await PostAsync(gateway, "/model/new", NewBody("upd", _mock.BaseUrl, "ok-before-update", id: "upd-1"));
        Assert.Equal("upd-1", created.GetProperty("model_id").GetString());
        Assert.Equal(HttpStatusCode.OK, await ChatAsync(gateway, "upd"));

        var update = $$$"""{"model_info":{"id":"upd-1"},"litellm_params":{"api_base":"{{{other.BaseUrl.ToString().TrimEnd('/')}}}/v1","api_key":"ok-after-update"}}""";
        var (status, body) = await PostAsync(gateway, "/model/update", update);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("upd", body.GetProperty("model_name").GetString());
        Assert.Equal("openai/glm-4.6", body.GetProperty("litellm_params").GetProperty("model").GetString());
        Assert.Equal(HttpStatusCode.OK, await ChatAsync(gateway, "upd"));
        Assert.Equal(HttpStatusCode.OK, await ChatAsync(gateway, "upd"));
        Assert.Equal(1, _mock.Stats["ok-before-update"].Calls);
        Assert.Equal(2, other.Stats["ok-after-update"].Calls);
        Assert.Equal(0, _mock.Stats["ok-after-update"].Calls);
    }

    [Fact]
    public async Task ModelDelete_CallInFlight_FinishesThenGroupIsGone()
    {
        await using var gateway = await TestGateway.StartAsync(StoreConfig(deployments: Configs.Http("glm", "file-1", _mock.BaseUrl, "ok-file-1")), databasePath: _database);
        await PostAsync(gateway, "/model/new", NewBody("doomed", _mock.BaseUrl, "slow-doomed", id: "doomed-1"));
        var inFlight = ChatAsync(gateway, "doomed");
        await EventuallyAsync(() => Task.FromResult(_mock.Stats["slow-doomed"].InFlight == 1), TimeSpan.FromSeconds(10));

        var (status, body) = await PostAsync(gateway, "/model/delete", """{"id":"doomed-1"}""");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("Model: doomed-1 deleted successfully", body.GetProperty("message").GetString());
        Assert.Equal(HttpStatusCode.OK, await inFlight);
        Assert.Equal(HttpStatusCode.BadRequest, await ChatAsync(gateway, "doomed"));
        var (again, _) = await PostAsync(gateway, "/model/delete", """{"id":"doomed-1"}""");
        Assert.Equal(HttpStatusCode.NotFound, again);
    }

    [Fact]
    public async Task ModelInfo_FileAndStoredDeployments_KeysMaskedAndDbModelFlag()
    {
        await using var gateway = await TestGateway.StartAsync(StoreConfig(deployments: Configs.Http("glm", "file-1", _mock.BaseUrl, "ok-file-secret-1")), databasePath: _database);
        await PostAsync(gateway, "/model/new", NewBody("added", _mock.BaseUrl, "ok-stored-secret-2", id: "stored-1"));

        foreach (var path in new[] { "/model/info", "/v1/model/info" })
        {
            var text = await GetAsync(gateway, path);
            using var doc = System.Text.Json.JsonDocument.Parse(text);
            var data = doc.RootElement.GetProperty("data").EnumerateArray().ToList();
            var file = data.Single(d => d.GetProperty("model_info").GetProperty("id").GetString() == "file-1");
            var stored = data.Single(d => d.GetProperty("model_info").GetProperty("id").GetString() == "stored-1");
            Assert.False(file.GetProperty("model_info").GetProperty("db_model").GetBoolean());
            Assert.True(stored.GetProperty("model_info").GetProperty("db_model").GetBoolean());
            Assert.Equal("added", stored.GetProperty("model_name").GetString());
            Assert.StartsWith("ok-", stored.GetProperty("litellm_params").GetProperty("api_key").GetString(), StringComparison.Ordinal);
            Assert.DoesNotContain("ok-file-secret-1", text, StringComparison.Ordinal);
            Assert.DoesNotContain("ok-stored-secret-2", text, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("""not json""")]
    [InlineData("""[1,2]""")]
    [InlineData("""{"litellm_params":{"model":"openai/x"}}""")]
    [InlineData("""{"model_name":"x"}""")]
    [InlineData("""{"model_name":"x","litellm_params":{"model":"opnai/x","api_key":"ok-bad-body-secret"}}""")]
    [InlineData("""{"model_name":"x","litellm_params":{"model":"openai/x","api_base":"http://127.0.0.1:9/v1","rpm":"many"}}""")]
    [InlineData("""{"model_name":"x","litellm_params":{"model":"openai/x","api_base":"http://127.0.0.1:9/v1"},"model_info":{"id":"file-1"}}""")]
    public async Task ModelNew_BadBody_400InOpenAiErrorShape(string body)
    {
        await using var gateway = await TestGateway.StartAsync(StoreConfig(deployments: Configs.Http("glm", "file-1", _mock.BaseUrl, "ok-file-1")), databasePath: _database);

        var (status, answer) = await PostAsync(gateway, "/model/new", body);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        var error = answer.GetProperty("error");
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.DoesNotContain("ok-bad-body-secret", answer.GetRawText(), StringComparison.Ordinal);
        Assert.DoesNotContain("\"db_model\":true", await GetAsync(gateway, "/model/info"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ModelNew_VirtualKeyOrStoreOff_Refused()
    {
        await using var off = await TestGateway.StartAsync(StoreConfig(deployments: Configs.Http("glm", "file-1", _mock.BaseUrl, "ok-file-1")) with
        {
            General = new Switchboard.Config.GeneralSettings { MasterKey = Master },
        }, databasePath: _database);
        var (status, answer) = await PostAsync(off, "/model/new", NewBody("added", _mock.BaseUrl, "ok-added-off"));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("store_model_in_db_disabled", answer.GetProperty("error").GetProperty("code").GetString());
        var (wrong, _) = await PostAsync(off, "/model/new", NewBody("added", _mock.BaseUrl, "ok-added-off"), master: "sk-not-the-master-000000");
        Assert.Equal(HttpStatusCode.Unauthorized, wrong);
    }

    [Fact]
    public async Task StoredModel_Restart_StillRoutesAndColumnHoldsNoPlaintextKey()
    {
        var config = StoreConfig(deployments: Configs.Http("glm", "file-1", _mock.BaseUrl, "ok-file-1"));
        var first = await TestGateway.StartAsync(config, databasePath: _database);
        await PostAsync(first, "/model/new", NewBody("kept", _mock.BaseUrl, "ok-persisted-plaintext-key", id: "kept-1"));
        await StopKeepingDatabaseAsync(first);

        await using (var connection = new SqliteConnection("Data Source=" + _database + ";Pooling=False"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT litellm_params FROM model_deployments WHERE id = 'kept-1'";
            var stored = (string)(await command.ExecuteScalarAsync())!;
            Assert.DoesNotContain("ok-persisted-plaintext-key", stored, StringComparison.Ordinal);
            Assert.DoesNotContain(Convert.ToBase64String(Encoding.UTF8.GetBytes("ok-persisted-plaintext-key")), stored, StringComparison.Ordinal);
            Assert.Contains(ModelSecretBox.Prefix, stored, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("ok-persisted-plaintext-key", Encoding.Latin1.GetString(await File.ReadAllBytesAsync(_database)), StringComparison.Ordinal);
        await using var second = await TestGateway.StartAsync(config, databasePath: _database);
        Assert.Equal(HttpStatusCode.OK, await ChatAsync(second, "kept"));
        Assert.Equal(1, _mock.Stats["ok-persisted-plaintext-key"].Calls);
    }

    [Fact]
    public async Task StoredModel_RestartWithAnotherSaltKey_RefusesToStartClearly()
    {
        var first = await TestGateway.StartAsync(StoreConfig(deployments: Configs.Http("glm", "file-1", _mock.BaseUrl, "ok-file-1")), databasePath: _database);
        await PostAsync(first, "/model/new", NewBody("kept", _mock.BaseUrl, "ok-salted-key", id: "salted-1"));
        await StopKeepingDatabaseAsync(first);

        // The salt key is the master key here (no SWITCHBOARD_SALT_KEY / LITELLM_SALT_KEY): another master key cannot decrypt.
        var refused = await Assert.ThrowsAsync<StoredModelsException>(() => TestGateway.StartAsync(
            StoreConfig(master: "sk-another-master-key-999999", deployments: Configs.Http("glm", "file-1", _mock.BaseUrl, "ok-file-1")), databasePath: _database));

        Assert.Contains("salted-1", refused.Message, StringComparison.Ordinal);
        Assert.Contains("general_settings.master_key", refused.Message, StringComparison.Ordinal);
        Assert.Contains("SWITCHBOARD_SALT_KEY", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-another-master-key-999999", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StoredModel_EnvironmentReference_KeptAsReferenceAndResolvedAtLoad()
    {
        var variable = "SWITCHBOARD_TEST_MODEL_KEY_" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(variable, "ok-from-environment");
        try
        {
            await using var gateway = await TestGateway.StartAsync(StoreConfig(deployments: Configs.Http("glm", "file-1", _mock.BaseUrl, "ok-file-1")), databasePath: _database);
            var body = $$$"""{"model_name":"envy","litellm_params":{"model":"openai/glm-4.6","api_base":"{{{_mock.BaseUrl.ToString().TrimEnd('/')}}}/v1","api_key":"os.environ/{{{variable}}}"}}""";
            var (status, answer) = await PostAsync(gateway, "/model/new", body);

            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal("os.environ/" + variable, answer.GetProperty("litellm_params").GetProperty("api_key").GetString());
            Assert.Equal(HttpStatusCode.OK, await ChatAsync(gateway, "envy"));
            Assert.Equal(1, _mock.Stats["ok-from-environment"].Calls);
            var box = gateway.Services.Models.Box!;
            var row = gateway.Services.Models.Models.Single().Row;
            Assert.Contains("\"os.environ/" + variable + "\"",
                StoredModelCodec.Open(row.LitellmParams, row.Id, box).ToJsonString(), StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }
}
