using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Switchboard.MockProvider;

namespace Switchboard.IntegrationTests.MockProvider;

/// <summary>A mock provider on a free loopback port plus an HttpClient aimed at it; one per test class.</summary>
public sealed class MockProviderHarness : IAsyncLifetime
{
    private MockProviderServer? _server;

    internal MockProviderServer Server => _server ?? throw new InvalidOperationException("not started");

    public HttpClient Http { get; } = new();

    internal MockProviderOptions Options { get; init; } = new() { Port = 0 };

    public async Task InitializeAsync()
    {
        _server = await MockProviderServer.StartAsync(Options, CancellationToken.None);
        Http.BaseAddress = _server.BaseUrl;
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        if (_server is not null) await _server.DisposeAsync();
    }

    public Task<HttpResponseMessage> PostAsync(
        string path, string key, string json, params (string Name, string Value)[] headers) =>
        SendAsync(path, key, json, HttpCompletionOption.ResponseContentRead, headers);

    public Task<HttpResponseMessage> SendAsync(
        string path, string key, string json, HttpCompletionOption completion, params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (key.Length > 0) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        foreach (var (name, value) in headers) request.Headers.TryAddWithoutValidation(name, value);
        return Http.SendAsync(request, completion);
    }

    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Splits an SSE body into events; OpenAI events have no name.</summary>
    public static List<(string? Event, string Data)> ParseSse(string body)
    {
        Assert.EndsWith("\n\n", body);
        var events = new List<(string?, string)>();
        foreach (var block in body.Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            string? name = null;
            string? data = null;
            foreach (var line in block.Split('\n'))
            {
                if (line.StartsWith("event: ", StringComparison.Ordinal)) name = line["event: ".Length..];
                else if (line.StartsWith("data: ", StringComparison.Ordinal)) data = line["data: ".Length..];
                else Assert.Fail($"unexpected SSE line '{line}'");
            }

            Assert.NotNull(data);
            events.Add((name, data));
        }

        return events;
    }

    /// <summary>Polls until <paramref name="condition"/> holds; fails after 10 s (a hang, not a timing assertion).</summary>
    public static async Task EventuallyAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not reached within 10 s");
            await Task.Delay(5);
        }
    }

    public static string Chat(string model, string text, bool stream = false, string extra = "") =>
        $$"""{"model":"{{model}}","stream":{{(stream ? "true" : "false")}},"messages":[{"role":"user","content":{{JsonSerializer.Serialize(text)}}}]{{extra}}}""";
}
