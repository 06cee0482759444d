using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Switchboard.IntegrationTests.Infrastructure;
using Switchboard.MockProvider;
using Switchboard.Tests.Fuzz;
using Xunit.Abstractions;

namespace Switchboard.IntegrationTests.Api;

/// <summary>
/// 10,000 hostile requests (bad bytes, wrong types, deep nesting, huge fields, odd methods, paths and headers; both
/// APIs and the admin endpoints), 16 at a time, against a real gateway on the mock provider: no answer is a 5xx, every
/// 4xx is a JSON error in its API's shape, and the gateway serves normal calls afterwards (docs/hostile-input.md).
/// </summary>
[Trait("Category", "Fuzz")]
public sealed class HostileHttpFuzzTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Requests = 10_000;

    private static readonly string[] Paths =
    [
        "/v1/chat/completions", "/chat/completions", "/v1/completions", "/v1/embeddings", "/v1/messages", "/v1/messages?beta=true",
        "/v1/messages/count_tokens", "/v1/models", "/models", "/key/generate", "/key/update", "/key/delete", "/key/info?key=sk-x",
        "/key/list", "/key/block", "/key/sk-nope/regenerate", "/spend/logs", "/global/spend", "/router/status", "/health",
        "/health/liveliness", "/v1/nothing", "/v1/messages/batches", "/v1/chat/completions/extra", "//v1//chat/completions",
        "/v1/%2e%2e/%2e%2e/etc/passwd", "/v1/chat%2Fcompletions", "/v1/%ff%fe", "/v1/%c3", "/v1/%ed%a0%80", "/v1/caf%C3%A9",
        "/v1/messages?beta=" + new string('b', 3000), "/" + new string('p', 4000), "/v1/chat/completions?x=%00",
    ];

    private static readonly string[] Methods = ["POST", "POST", "POST", "POST", "POST", "GET", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "FOO", "QUERY"];

    private static readonly string[] Models = ["glm-pool", "claude-sonnet-4-5", "anthropic-pool", "nope", "", "claude-" + new string('x', 300)];

    private MockProviderServer _mock = null!;
    private TestGateway _gateway = null!;

    public async Task InitializeAsync()
    {
        _mock = await MockProviderServer.StartAsync(new MockProviderOptions { DefaultChunks = 2 }, CancellationToken.None);
        _gateway = await TestGateway.StartAsync(HostileInputTests.HostileConfig(_mock.BaseUrl));
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _mock.DisposeAsync();
    }

    [Fact]
    public async Task Gateway_TenThousandHostileRequests_NoServerErrorJsonErrorsThenServesNormally()
    {
        var failures = new ConcurrentQueue<string>();
        var statuses = new ConcurrentDictionary<int, int>();
        var clock = Stopwatch.StartNew();
        using var client = new HttpClient { BaseAddress = _gateway.BaseUrl, Timeout = TimeSpan.FromSeconds(30) };

        await Parallel.ForEachAsync(Enumerable.Range(0, Requests), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (seed, ct) =>
        {
            var random = new Random(seed);
            var (request, description) = Build(random, _gateway.BaseUrl);
            using (request)
            {
                using var response = await client.SendAsync(request, HttpCompletionOption.ResponseContentRead, ct);
                var status = (int)response.StatusCode;
                statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
                var body = await response.Content.ReadAsStringAsync(ct);
                if (Problem(request, response, body) is { } problem)
                {
                    failures.Enqueue($"seed {seed}: {description} -> {status} {problem}: {Cut(body)}");
                }
            }
        });

        var summary = string.Join(", ", statuses.OrderBy(p => p.Key).Select(p => $"{p.Key}×{p.Value}"));
        output.WriteLine($"{Requests} requests in {clock.Elapsed.TotalSeconds:F1} s: {summary}; upstream calls {_mock.Stats.Total}");
        using (var status = await HostileInputTests.SendAsync(client, HttpMethod.Get, "/router/status", null))
        {
            var text = await status.Content.ReadAsStringAsync();
            output.WriteLine("router status after the storm: " + text[..Math.Min(text.Length, 3000)]);
        }

        Assert.True(failures.IsEmpty, $"{failures.Count} bad answers of {Requests} ({summary}); first:\n{string.Join("\n", failures.Take(15))}");
        Assert.True(clock.Elapsed < TimeSpan.FromMinutes(3), $"took {clock.Elapsed}");

        // The very groups the storm hit: no hostile request may have cooled a healthy key down (a client's fault is not
        // the key's; the storm once did so through embeddings sent with stream: true).
        using var chat = await HostileInputTests.SendAsync(client, HttpMethod.Post, "/v1/chat/completions",
            """{"model":"glm-pool","messages":[{"role":"user","content":"hi"}]}""");
        Assert.True(chat.IsSuccessStatusCode, await chat.Content.ReadAsStringAsync());
        using var messages = await HostileInputTests.SendAsync(client, HttpMethod.Post, "/v1/messages",
            """{"model":"claude-sonnet-4-5","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}""");
        Assert.True(messages.IsSuccessStatusCode, await messages.Content.ReadAsStringAsync());
    }

    /// <summary>What is wrong with an answer, or null: a 5xx, or a 4xx that is not its API's JSON error.</summary>
    private static string? Problem(HttpRequestMessage request, HttpResponseMessage response, string body)
    {
        var status = (int)response.StatusCode;
        if (status >= 500)
        {
            return "server error";
        }

        if (status < 400 || request.Method == HttpMethod.Head)
        {
            return null;
        }

        if (response.Content.Headers.ContentType?.MediaType != "application/json")
        {
            return "not JSON (" + response.Content.Headers.ContentType + ")";
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            var anthropic = request.RequestUri!.AbsolutePath.StartsWith("/v1/messages", StringComparison.Ordinal);
            if (anthropic && root.GetProperty("type").GetString() != "error")
            {
                return "not Anthropic's error shape";
            }

            var error = root.GetProperty("error");
            return error.GetProperty("message").ValueKind == JsonValueKind.String && error.GetProperty("type").ValueKind == JsonValueKind.String
                ? null
                : "error without message and type";
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return "not an error object: " + e.Message;
        }
    }

    private static (HttpRequestMessage Request, string Description) Build(Random random, Uri gateway)
    {
        // Seven in ten are POSTs of a hostile body to a proxied endpoint; the rest roam over paths and methods.
        var main = random.Next(10) < 7;
        var path = main ? Paths[random.Next(7)] : Paths[random.Next(Paths.Length)];
        var method = main ? HttpMethod.Post : new HttpMethod(Methods[random.Next(Methods.Length)]);
        // Absolute, so that a path like //v1//x is not read as a scheme-relative URL.
        var request = new HttpRequestMessage(method, new Uri(gateway.GetLeftPart(UriPartial.Authority) + path));
        var body = Body(random, path);
        if (body is not null && method != HttpMethod.Get && method != HttpMethod.Head)
        {
            request.Content = new ByteArrayContent(body);
            var type = random.Next(8) switch
            {
                0 => null,
                1 => "text/plain",
                2 => "application/json; charset=iso-8859-1",
                3 => "multipart/form-data; boundary=x",
                _ => "application/json",
            };
            if (type is not null)
            {
                request.Content.Headers.TryAddWithoutValidation("Content-Type", type);
            }

            if (random.Next(20) == 0)
            {
                request.Content.Headers.TryAddWithoutValidation("Content-Encoding", "gzip");
            }
        }

        var auth = random.Next(main ? 40 : 10) switch
        {
            0 => null,
            1 => "Bearer",
            2 => "Basic Zm9vOmJhcg==",
            3 => "Bearer " + new string('k', 6000),
            4 => "Bearer sk-wrong",
            _ => "Bearer " + HostileInputTests.MasterKey,
        };
        if (auth is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", auth);
        }

        switch (random.Next(8))
        {
            case 0:
                request.Headers.TryAddWithoutValidation("x-session-id", new string('s', random.Next(1, 7000)));
                break;
            case 1:
                request.Headers.TryAddWithoutValidation("anthropic-version", "1999-01-01");
                request.Headers.TryAddWithoutValidation("anthropic-beta", string.Join(",", Enumerable.Repeat("made-up-beta", random.Next(1, 300))));
                break;
            case 2:
                request.Headers.TryAddWithoutValidation("x-claude-code-session-id", "a\tb  \"c\" %00 ;,");
                break;
            case 3:
                request.Headers.TryAddWithoutValidation("x-api-key", HostileInputTests.MasterKey);
                break;
        }

        var shown = body is null ? "no body" : Encoding.Latin1.GetString(body.AsSpan(0, Math.Min(body.Length, 300)));
        return (request, $"{method} {Cut(path)} [{auth?.Length}] {shown}");
    }

    private static byte[]? Body(Random random, string path)
    {
        switch (random.Next(12))
        {
            case 0:
                return null;
            case 1:
                return HostileInputs.RandomBytes(random, random.Next(0, 500));
            case 2:
                return [];
        }

        var anthropic = path.StartsWith("/v1/messages", StringComparison.Ordinal);
        var admin = path.StartsWith("/key", StringComparison.Ordinal);
        byte[] seed;
        if (admin)
        {
            seed = Encoding.UTF8.GetBytes("""{"key_alias":"a","models":["glm-pool"],"max_budget":1.5,"rpm_limit":10,"duration":"1h","metadata":{"a":1},"keys":["sk-x"],"key":"sk-y"}""");
        }
        else
        {
            var seeds = anthropic ? FuzzSeeds.AnthropicRequests : FuzzSeeds.OpenAiRequests;
            var model = Models[random.Next(Models.Length)];
            var json = Encoding.UTF8.GetString(seeds[random.Next(seeds.Length)]);
            using var document = JsonDocument.Parse(json);
            var original = document.RootElement.TryGetProperty("model", out var m) ? m.GetString() : null;
            seed = Encoding.UTF8.GetBytes(original is null ? json : json.Replace("\"" + original + "\"", JsonSerializer.Serialize(model), StringComparison.Ordinal));
        }

        // One in four stays valid: the gateway must also serve real calls in between.
        return random.Next(4) == 0 ? seed : HostileInputs.Mutate(seed, random);
    }

    private static string Cut(string text) => text.Length > 300 ? text[..300] + "…" : text;
}
