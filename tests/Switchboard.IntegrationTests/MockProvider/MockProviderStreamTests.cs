using System.Net;
using System.Text;
using System.Text.Json;
using static Switchboard.IntegrationTests.MockProvider.MockProviderHarness;

namespace Switchboard.IntegrationTests.MockProvider;

/// <summary>OpenAI SSE framing, usage, tool-call fragments, reasoning deltas, and a client leaving mid-stream.</summary>
public sealed class MockProviderStreamTests(MockProviderHarness mock) : IClassFixture<MockProviderHarness>
{
    private const string ReadTool = ""","tools":[{"type":"function","function":{"name":"Read","parameters":{"type":"object"}}}]""";

    [Fact]
    public async Task ChatStream_WithIncludeUsage_FramesChunksUsageAndDone()
    {
        var body = Chat("glm-4.6", new string('y', 20), stream: true, extra: ""","stream_options":{"include_usage":true}""");
        using var response = await mock.PostAsync("/v1/chat/completions", "ok-s1", body, ("x-mock-chunks", "6"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var events = ParseSse(await response.Content.ReadAsStringAsync());
        Assert.All(events, e => Assert.Null(e.Event));
        Assert.Equal("[DONE]", events[^1].Data);
        var chunks = events.SkipLast(1).Select(e => JsonDocument.Parse(e.Data).RootElement).ToList();
        Assert.All(chunks, c => Assert.Equal("chat.completion.chunk", c.GetProperty("object").GetString()));
        Assert.Single(chunks.Select(c => c.GetProperty("id").GetString()).Distinct());

        var contentChunks = chunks.Take(6).ToList();
        Assert.Equal("assistant", contentChunks[0].GetProperty("choices")[0].GetProperty("delta").GetProperty("role").GetString());
        Assert.All(contentChunks.Skip(1), c => Assert.False(c.GetProperty("choices")[0].GetProperty("delta").TryGetProperty("role", out _)));
        var text = string.Concat(contentChunks.Select(c => c.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString()));
        Assert.Equal("Hello from mock deployment ok-s1 (model glm-4.6)", text);

        var final = chunks[6].GetProperty("choices")[0];
        Assert.Equal("stop", final.GetProperty("finish_reason").GetString());
        var usageChunk = chunks[7];
        Assert.Equal(0, usageChunk.GetProperty("choices").GetArrayLength());
        var usage = usageChunk.GetProperty("usage");
        Assert.Equal(6, usage.GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(6, usage.GetProperty("completion_tokens").GetInt32());
        Assert.Equal(0, usage.GetProperty("prompt_tokens_details").GetProperty("cached_tokens").GetInt32());
        Assert.Equal(8, chunks.Count);
    }

    [Fact]
    public async Task ChatStream_WithoutIncludeUsage_HasNoUsageChunk()
    {
        using var response = await mock.PostAsync("/chat/completions", "ok-s2", Chat("m", "hi", stream: true));

        var events = ParseSse(await response.Content.ReadAsStringAsync());
        Assert.Equal(8 + 2, events.Count);
        Assert.DoesNotContain(events.SkipLast(1), e => JsonDocument.Parse(e.Data).RootElement.TryGetProperty("usage", out _));
    }

    [Fact]
    public async Task ChatStream_ManyChunks_RepeatsTheGreetingToFillThem()
    {
        using var response = await mock.PostAsync("/v1/chat/completions", "ok-s3", Chat("m", "hi", stream: true), ("x-mock-chunks", "120"));

        var events = ParseSse(await response.Content.ReadAsStringAsync());
        var pieces = events.SkipLast(2).Select(e => JsonDocument.Parse(e.Data).RootElement.GetProperty("choices")[0]
            .GetProperty("delta").GetProperty("content").GetString()).ToList();
        Assert.Equal(120, pieces.Count);
        Assert.All(pieces, p => Assert.False(string.IsNullOrEmpty(p)));
        Assert.StartsWith("Hello from mock deployment ok-s3 (model m) Hello from", string.Concat(pieces));
    }

    [Fact]
    public async Task ChatStream_ToolDirective_StreamsArgumentFragmentsThatReassemble()
    {
        var prompt = """mock-tool:Read {"file_path":"/tmp/x/a.txt"} and mock-tool:Grep {"pattern":"needle"}""";
        using var response = await mock.PostAsync("/v1/chat/completions", "ok-s4", Chat("m", prompt, stream: true, extra: ReadTool));

        var events = ParseSse(await response.Content.ReadAsStringAsync());
        var deltas = events.SkipLast(1).Select(e => JsonDocument.Parse(e.Data).RootElement.GetProperty("choices")[0]).ToList();
        var fragments = deltas.Where(d => d.GetProperty("delta").TryGetProperty("tool_calls", out _))
            .Select(d => d.GetProperty("delta").GetProperty("tool_calls")[0]).ToList();
        var byIndex = fragments.GroupBy(f => f.GetProperty("index").GetInt32()).OrderBy(g => g.Key).ToList();
        Assert.Equal(2, byIndex.Count);
        foreach (var call in byIndex)
        {
            var list = call.ToList();
            Assert.True(list.Count > 1);
            Assert.True(list[0].TryGetProperty("id", out _));
            Assert.True(list[0].GetProperty("function").TryGetProperty("name", out _));
            Assert.All(list.Skip(1), f => Assert.False(f.TryGetProperty("id", out _) || f.GetProperty("function").TryGetProperty("name", out _)));
        }

        string Arguments(int i) => string.Concat(byIndex[i].Select(f => f.GetProperty("function").GetProperty("arguments").GetString()));
        Assert.Equal("Read", byIndex[0].First().GetProperty("function").GetProperty("name").GetString());
        Assert.Equal("""{"file_path":"/tmp/x/a.txt"}""", Arguments(0));
        Assert.Equal("Grep", byIndex[1].First().GetProperty("function").GetProperty("name").GetString());
        Assert.Equal("""{"pattern":"needle"}""", Arguments(1));
        Assert.Equal("tool_calls", deltas[^1].GetProperty("finish_reason").GetString());
    }

    [Fact]
    public async Task ChatStream_GlmThinking_StreamsReasoningBeforeContent()
    {
        var body = Chat("glm-4.6", "hi", stream: true, extra: ""","thinking":{"type":"enabled"}""");
        using var response = await mock.PostAsync("/v1/chat/completions", "ok-s5", body, ("x-mock-chunks", "2"));

        var kinds = ParseSse(await response.Content.ReadAsStringAsync()).SkipLast(2)
            .Select(e => JsonDocument.Parse(e.Data).RootElement.GetProperty("choices")[0].GetProperty("delta"))
            .Select(d => d.TryGetProperty("reasoning_content", out _) ? "r" : "c").ToList();
        Assert.Equal(["r", "r", "r", "c", "c"], kinds);
    }

    [Fact]
    public async Task CompletionsStream_Legacy_StreamsTextAndDone()
    {
        using var response = await mock.PostAsync(
            "/v1/completions", "ok-s6", """{"model":"m","prompt":"hi","stream":true}""", ("x-mock-chunks", "3"));

        var events = ParseSse(await response.Content.ReadAsStringAsync());
        Assert.Equal("[DONE]", events[^1].Data);
        var texts = events.SkipLast(1).Select(e => JsonDocument.Parse(e.Data).RootElement.GetProperty("choices")[0]).ToList();
        Assert.Equal(4, texts.Count);
        Assert.Equal("stop", texts[^1].GetProperty("finish_reason").GetString());
        Assert.Equal("Hello from mock deployment ok-s6 (model m)", string.Concat(texts.Select(t => t.GetProperty("text").GetString())));
    }

    [Fact]
    public async Task ChatStream_ClientLeavesMidStream_ServerStopsAndReleasesTheCall()
    {
        using var response = await mock.SendAsync(
            "/v1/chat/completions", "ok-gone", Chat("m", "hi", stream: true), HttpCompletionOption.ResponseHeadersRead,
            ("x-mock-chunks", "1000"), ("x-mock-chunk-delay-ms", "20"));
        var stream = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[64];
        Assert.True(await stream.ReadAsync(buffer) > 0);

        response.Dispose();

        await EventuallyAsync(() => mock.Server.Stats["ok-gone"].InFlight == 0);
        using var next = await mock.PostAsync("/v1/chat/completions", "ok-gone", Chat("m", "hi"));
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
        Assert.StartsWith("data: ", Encoding.UTF8.GetString(buffer), StringComparison.Ordinal);
    }
}
