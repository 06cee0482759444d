using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Switchboard.Auth;
using Switchboard.Storage;

namespace Switchboard.IntegrationTests.Storage;

/// <summary>The key management endpoints over real HTTP on loopback, backed by a SQLite file.</summary>
public sealed class KeysEndpointsTests : IAsyncLifetime
{
    private const string Master = "sk-master-integration-0001";
    private readonly string _directory = Directory.CreateTempSubdirectory("switchboard-admin-").FullName;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 20, 10, 0, 0, TimeSpan.Zero));
    private SqliteGatewayStore _store = null!;
    private AdminTestHost _host = null!;

    public async Task InitializeAsync()
    {
        _store = new SqliteGatewayStore(Path.Combine(_directory, "switchboard.db"));
        await _store.MigrateAsync(CancellationToken.None);
        _host = await AdminTestHost.StartAsync(Master, _store, _time);
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _store.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    private async Task<string> GenerateAsync(string body = "{}")
    {
        var (status, json) = await _host.PostAsync("/key/generate", body);
        Assert.Equal(HttpStatusCode.OK, status);
        return json.GetProperty("key").GetString()!;
    }

    [Fact]
    public async Task Generate_WithFields_ReturnsKeyOnceAndStoresOnlyItsHash()
    {
        var (status, json) = await _host.PostAsync("/key/generate", """
            {"key_alias":"team-a","models":["glm-pool"],"max_budget":10,"budget_duration":"30d","rpm_limit":5,"tpm_limit":1000,
             "max_parallel_requests":2,"duration":"7d","metadata":{"owner":"ana"}}
            """);
        Assert.Equal(HttpStatusCode.OK, status);
        var key = json.GetProperty("key").GetString()!;
        Assert.StartsWith("sk-", key, StringComparison.Ordinal);
        Assert.Equal(KeyHasher.Hash(key), json.GetProperty("token_id").GetString());
        Assert.Equal("2026-11-27T10:00:00.000Z", json.GetProperty("expires").GetString());
        Assert.Equal("2026-12-20T10:00:00.000Z", json.GetProperty("budget_reset_at").GetString());
        Assert.Equal("ana", json.GetProperty("metadata").GetProperty("owner").GetString());

        var stored = await _store.GetKeyByHashAsync(KeyHasher.Hash(key), CancellationToken.None);
        Assert.Equal(("team-a", 5, 1000, 2, 10.0), (stored!.KeyAlias, stored.RpmLimit, stored.TpmLimit, stored.MaxParallelRequests, stored.MaxBudget));
    }

    [Fact]
    public async Task Generate_DuplicateAliasOrBadDuration_Is400()
    {
        await GenerateAsync("""{"key_alias":"same"}""");
        Assert.Equal(HttpStatusCode.BadRequest, (await _host.PostAsync("/key/generate", """{"key_alias":"same"}""")).Status);
        var (status, json) = await _host.PostAsync("/key/generate", """{"budget_duration":"soon"}""");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("budget_duration", json.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AdminEndpoints_WithoutMasterKey_Are401OrForVirtualKey403()
    {
        var key = await GenerateAsync();
        var (noKey, body) = await _host.GetAsync("/key/list", bearer: "sk-wrong-wrong-wrong");
        Assert.Equal(HttpStatusCode.Unauthorized, noKey);
        Assert.Equal("authentication_error", body.GetProperty("error").GetProperty("type").GetString());
        Assert.Equal(HttpStatusCode.Forbidden, (await _host.GetAsync("/key/list", bearer: key)).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await _host.GetAsync("/global/spend", bearer: key)).Status);
    }

    [Fact]
    public async Task AdminEndpoints_OpenMode_Are403NamingMasterKey()
    {
        await using var open = await AdminTestHost.StartAsync(null, _store, _time);
        var (status, body) = await open.PostAsync("/key/generate", "{}");
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("master_key", body.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Info_ShowsLiveSpendAndRemainingBudget()
    {
        var key = await GenerateAsync("""{"max_budget":2}""");
        var caller = (await _host.Auth.AuthenticateAsync(key, CancellationToken.None)).Caller!;
        var admitted = await _host.Admission.AdmitAsync(caller, "glm-pool", CancellationToken.None);
        _host.Admission.Complete(admitted.Lease!, 100, 0.5);

        var (status, json) = await _host.GetAsync("/key/info?key=" + Uri.EscapeDataString(key));
        Assert.Equal(HttpStatusCode.OK, status);
        var info = json.GetProperty("info");
        Assert.Equal((0.5, 1.5), (info.GetProperty("spend").GetDouble(), info.GetProperty("remaining_budget").GetDouble()));
        Assert.Equal(HttpStatusCode.OK, (await _host.GetAsync("/key/info?key=" + KeyHasher.Hash(key))).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await _host.GetAsync("/key/info?key=sk-unknown-unknown-unknown")).Status);
    }

    [Fact]
    public async Task Update_ChangesOnlyGivenFieldsAndTakesEffectAtOnce()
    {
        var key = await GenerateAsync("""{"key_alias":"a","rpm_limit":5,"models":["glm-pool"]}""");
        Assert.Equal(5, (await _host.Auth.AuthenticateAsync(key, CancellationToken.None)).Caller!.RpmLimit);
        var (status, json) = await _host.PostAsync("/key/update", $$"""{"key":"{{key}}","rpm_limit":50,"max_budget":null}""");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(50, json.GetProperty("rpm_limit").GetInt32());
        Assert.Equal("a", json.GetProperty("key_alias").GetString());
        Assert.Equal(50, (await _host.Auth.AuthenticateAsync(key, CancellationToken.None)).Caller!.RpmLimit);
    }

    [Fact]
    public async Task BlockAndUnblock_RefuseAndReadmitAtOnce()
    {
        var key = await GenerateAsync();
        await _host.Auth.AuthenticateAsync(key, CancellationToken.None); // cached now
        Assert.Equal(HttpStatusCode.OK, (await _host.PostAsync("/key/block", $$"""{"key":"{{key}}"}""")).Status);
        var caller = (await _host.Auth.AuthenticateAsync(key, CancellationToken.None)).Caller!;
        Assert.Equal(403, (await _host.Admission.AdmitAsync(caller, "g", CancellationToken.None)).StatusCode);

        var (status, json) = await _host.PostAsync("/key/unblock", $$"""{"key":"{{KeyHasher.Hash(key)}}"}""");
        Assert.Equal((HttpStatusCode.OK, false), (status, json.GetProperty("blocked").GetBoolean()));
        caller = (await _host.Auth.AuthenticateAsync(key, CancellationToken.None)).Caller!;
        Assert.True((await _host.Admission.AdmitAsync(caller, "g", CancellationToken.None)).Allowed);
    }

    [Fact]
    public async Task Delete_ByKeysAndAliases_RevokesAtOnce()
    {
        var first = await GenerateAsync();
        var second = await GenerateAsync("""{"key_alias":"bye"}""");
        await _host.Auth.AuthenticateAsync(first, CancellationToken.None);
        var (status, json) = await _host.PostAsync("/key/delete", $$"""{"keys":["{{first}}"]}""");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(KeyHasher.Hash(first), json.GetProperty("deleted_keys")[0].GetString());
        Assert.Equal(401, (await _host.Auth.AuthenticateAsync(first, CancellationToken.None)).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await _host.PostAsync("/key/delete", """{"key_aliases":["bye"]}""")).Status);
        Assert.Equal(401, (await _host.Auth.AuthenticateAsync(second, CancellationToken.None)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _host.PostAsync("/key/delete", """{"key_aliases":["bye"]}""")).Status);
    }

    [Fact]
    public async Task List_Paged_ReturnsTokenIdsNeverRawKeys()
    {
        var keys = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            keys.Add(await GenerateAsync());
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        var (status, json) = await _host.GetAsync("/key/list?page=1&size=2");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal((3, 1, 2), (json.GetProperty("total_count").GetInt32(), json.GetProperty("current_page").GetInt32(),
            json.GetProperty("total_pages").GetInt32()));
        Assert.Equal(keys.Take(2).Select(KeyHasher.Hash), json.GetProperty("keys").EnumerateArray().Select(k => k.GetString()));

        var (_, full) = await _host.GetAsync("/key/list?page=2&size=2&return_full_object=true");
        var only = Assert.Single(full.GetProperty("keys").EnumerateArray());
        Assert.Equal(KeyHasher.Mask(keys[2]), only.GetProperty("key_name").GetString());
        Assert.DoesNotContain(keys[2], full.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Regenerate_OldKeyStopsNewKeyWorksSpendKept()
    {
        var old = await GenerateAsync("""{"key_alias":"rot","max_budget":5}""");
        await _store.AddSpendAsync(KeyHasher.Hash(old), 1.5, CancellationToken.None);
        await _host.Auth.AuthenticateAsync(old, CancellationToken.None);
        var (status, json) = await _host.PostAsync($"/key/{old}/regenerate", "");
        Assert.Equal(HttpStatusCode.OK, status);
        var fresh = json.GetProperty("key").GetString()!;
        Assert.NotEqual(old, fresh);
        Assert.Equal(401, (await _host.Auth.AuthenticateAsync(old, CancellationToken.None)).StatusCode);
        var caller = (await _host.Auth.AuthenticateAsync(fresh, CancellationToken.None)).Caller!;
        Assert.Equal(("rot", 1.5), (caller.KeyAlias, caller.Key!.Spend));
    }

    [Fact]
    public async Task Regenerate_WithFields_ChangesThemWithTheSecret()
    {
        var old = await GenerateAsync("""{"key_alias":"rot","max_budget":5,"models":["glm-pool"]}""");
        await _store.AddSpendAsync(KeyHasher.Hash(old), 1.5, CancellationToken.None);
        var (status, json) = await _host.PostAsync($"/key/{old}/regenerate", """{"key_alias":"rot-2","max_budget":9}""");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("rot-2", json.GetProperty("key_alias").GetString());
        var caller = (await _host.Auth.AuthenticateAsync(json.GetProperty("key").GetString()!, CancellationToken.None)).Caller!;
        Assert.Equal(("rot-2", 9.0, 1.5), (caller.KeyAlias, caller.Key!.MaxBudget, caller.Key.Spend));
        Assert.Equal(["glm-pool"], caller.Key.Models);
        Assert.Equal(401, (await _host.Auth.AuthenticateAsync(old, CancellationToken.None)).StatusCode);
    }

    [Theory]
    [InlineData("""{"max_budget":"lots"}""")]
    [InlineData("""{"key_alias":"taken"}""")]
    [InlineData("""{"max_budget":""")]
    public async Task Regenerate_RefusedFields_400AndTheOldSecretStillWorks(string body)
    {
        await GenerateAsync("""{"key_alias":"taken"}""");
        var old = await GenerateAsync("""{"key_alias":"rot"}""");
        var (status, json) = await _host.PostAsync($"/key/{old}/regenerate", body);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.True(json.TryGetProperty("error", out _));
        var caller = (await _host.Auth.AuthenticateAsync(old, CancellationToken.None)).Caller!;
        Assert.Equal("rot", caller.KeyAlias);
    }

    [Fact]
    public async Task DatabaseFile_AfterKeyLifecycleAndUsage_NeverContainsARawKey()
    {
        var keys = new List<string> { Master };
        for (var i = 0; i < 3; i++)
        {
            keys.Add(await GenerateAsync($$"""{"key_alias":"k{{i}}"}"""));
        }

        var (_, regenerated) = await _host.PostAsync($"/key/{keys[1]}/regenerate", "");
        keys.Add(regenerated.GetProperty("key").GetString()!);
        await _host.PostAsync("/key/update", $$"""{"key":"{{keys[2]}}","rpm_limit":3}""");
        await _store.WriteUsageAsync([new UsageRecord
        {
            Time = _time.GetUtcNow(), RequestId = "r1", KeyHash = KeyHasher.Hash(keys[3]), KeyAlias = "k2", ModelGroup = "g", Cost = 1,
        }], CancellationToken.None);

        var bytes = Directory.GetFiles(_directory).SelectMany(File.ReadAllBytes).ToArray();
        Assert.NotEmpty(bytes);
        Assert.True(bytes.AsSpan().IndexOf(Encoding.ASCII.GetBytes(KeyHasher.Hash(keys[3]))) >= 0, "hash not found: the search is broken");
        foreach (var key in keys)
        {
            Assert.True(bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(key)) < 0, $"raw key {KeyHasher.Mask(key)} found in the database files");
        }
    }
}
