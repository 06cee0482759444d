using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Switchboard.Config;
using Switchboard.IntegrationTests.Infrastructure;

namespace Switchboard.IntegrationTests.Models;

/// <summary>Calls of the model management endpoints and of the chat API for the model tests.</summary>
internal static class ModelApi
{
    public const string Master = "sk-master-models-0123456789";

    public static GatewayConfig StoreConfig(string? databaseUrl = null, string master = Master, string? redisUrl = null, params DeploymentConfig[] deployments) => new()
    {
        ModelList = deployments,
        Router = new RouterSettings { RedisUrl = redisUrl },
        General = new GeneralSettings { MasterKey = master, StoreModelInDb = true, DatabaseUrl = databaseUrl },
    };

    public static string NewBody(string group, Uri mockBase, string key, string? id = null) =>
        JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["model_name"] = group,
            ["litellm_params"] = new Dictionary<string, object?>
            {
                ["model"] = "openai/glm-4.6",
                ["api_base"] = mockBase.ToString().TrimEnd('/') + "/v1",
                ["api_key"] = key,
            },
            ["model_info"] = id is null ? null : new Dictionary<string, object?> { ["id"] = id },
        });

    public static async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(TestGateway gateway, string path, string body, string master = Master)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", master);
        using var response = await gateway.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        using var doc = JsonDocument.Parse(text.Length == 0 ? "{}" : text);
        return (response.StatusCode, doc.RootElement.Clone());
    }

    public static async Task<string> GetAsync(TestGateway gateway, string path, string master = Master)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", master);
        using var response = await gateway.Client.SendAsync(request);
        return await response.Content.ReadAsStringAsync();
    }

    public static async Task<HttpStatusCode> ChatAsync(TestGateway gateway, string model, string master = Master)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent($$"""{"model":"{{model}}","messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", master);
        using var response = await gateway.Client.SendAsync(request);
        await response.Content.ReadAsByteArrayAsync();
        return response.StatusCode;
    }

    /// <summary>Stops a gateway without deleting its SQLite file (a restart reads it again).</summary>
    public static async Task StopKeepingDatabaseAsync(TestGateway gateway)
    {
        gateway.Client.Dispose();
        await gateway.App.StopAsync();
        await gateway.App.DisposeAsync();
    }

    public static void DeleteDatabase(string path)
    {
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            File.Delete(path + suffix);
        }
    }

    public static async Task EventuallyAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("condition not met within " + timeout);
            }

            await Task.Delay(25);
        }
    }
}
