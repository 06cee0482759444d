using System.Net.Http.Json;
using System.Text.Json;
using Switchboard.IntegrationTests.Infrastructure;
using Switchboard.MockProvider;

namespace Switchboard.IntegrationTests.Api;

/// <summary>
/// Embeddings have no stream. A client that sends <c>stream: true</c> there once made the gateway wait for an event
/// stream the upstream never sends, and the missing <c>[DONE]</c> cooled a healthy key down (found by the HTTP fuzz test).
/// </summary>
public sealed class EmbeddingsStreamFlagTests : IAsyncLifetime
{
    private MockProviderServer _mock = null!;
    private TestGateway _gateway = null!;

    public async Task InitializeAsync()
    {
        _mock = await MockProviderServer.StartAsync(new MockProviderOptions(), CancellationToken.None);
        _gateway = await TestGateway.StartAsync(Configs.Of(Configs.Http("glm-pool", "dep-emb", _mock.BaseUrl, "ok-emb")));
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _mock.DisposeAsync();
    }

    [Fact]
    public async Task Embeddings_StreamTrue_AnsweredAsJsonAndDeploymentStaysHealthy()
    {
        for (var i = 0; i < 5; i++)
        {
            using var response = await _gateway.Client.PostAsJsonAsync("/v1/embeddings", new { model = "glm-pool", input = "a", stream = true });
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, body);
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
            using var doc = JsonDocument.Parse(body);
            Assert.Equal("list", doc.RootElement.GetProperty("object").GetString());
        }

        using var status = JsonDocument.Parse(await _gateway.Client.GetStringAsync("/router/status"));
        var deployment = status.RootElement.GetProperty("model_groups")[0].GetProperty("deployments")[0];
        Assert.Equal(0, deployment.GetProperty("total").GetProperty("failures").GetInt32());
        Assert.False(deployment.GetProperty("cooling_down").GetBoolean());
    }
}
