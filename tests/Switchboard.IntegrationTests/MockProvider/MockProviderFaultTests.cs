using System.Net;
using System.Text.Json;
using static Switchboard.IntegrationTests.MockProvider.MockProviderHarness;

namespace Switchboard.IntegrationTests.MockProvider;

/// <summary>The fault keys of a lying upstream: 200 pages that are not the answer, streams cut or stalled.</summary>
public sealed class MockProviderFaultTests(MockProviderHarness mock) : IClassFixture<MockProviderHarness>
{
    private const string ReadTool = ""","tools":[{"type":"function","function":{"name":"Read","parameters":{"type":"object"}}}]""";
    private const string AnthropicReadTool = ""","tools":[{"name":"Read","input_schema":{"type":"object"}}]""";

    private static string Messages(string text, bool stream, string extra = "") =>
        $$"""{"model":"claude-sonnet-4-5","max_tokens":100,"stream":{{(stream ? "true" : "false")}},"messages":[{"role":"user","content":{{JsonSerializer.Serialize(text)}}}]{{extra}}}""";

    [Theory]
    [InlineData("/v1/chat/completions")]
    [InlineData("/v1/messages")]
    public async Task HtmlKey_AnyCall_200WithHtmlPage(string path)
    {
        using var response = await mock.PostAsync(path, "html-1", path.EndsWith("messages", StringComparison.Ordinal) ? Messages("hi", false) : Chat("m", "hi"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith("<!DOCTYPE html>", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/v1/chat/completions")]
    [InlineData("/v1/messages")]
    public async Task TruncKey_AnyCall_200JsonThatDoesNotParse(string path)
    {
        using var response = await mock.PostAsync(path, "trunc-1", path.EndsWith("messages", StringComparison.Ordinal) ? Messages("hi", false) : Chat("m", "hi"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadAsStringAsync();
        Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse(body));
    }

    [Fact]
    public async Task CtypeKey_Chat_200PlainTextNotJson()
    {
        using var response = await mock.PostAsync("/v1/chat/completions", "ctype-1", Chat("m", "hi"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadAsStringAsync();
        Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse(body));
    }

    [Fact]
    public async Task CutKey_ChatStream_StopsWithoutFinishReasonOrDone()
    {
        using var response = await mock.PostAsync("/v1/chat/completions", "cut-1", Chat("m", "hi", stream: true), ("x-mock-chunks", "6"));

        var events = ParseSse(await response.Content.ReadAsStringAsync());
        Assert.Equal(3, events.Count);
        Assert.DoesNotContain(events, e => e.Data == "[DONE]" || e.Data.Contains("\"finish_reason\":\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CutKey_ChatStreamWithToolCall_StopsMidArguments()
    {
        using var response = await mock.PostAsync("/v1/chat/completions", "cut-2",
            Chat("m", "mock-tool:Read {\"file_path\":\"/tmp/a.txt\"}", stream: true, extra: ReadTool));

        var events = ParseSse(await response.Content.ReadAsStringAsync());
        var arguments = string.Concat(events.Select(e => JsonDocument.Parse(e.Data).RootElement.GetProperty("choices")[0].GetProperty("delta"))
            .Where(d => d.TryGetProperty("tool_calls", out _))
            .Select(d => d.GetProperty("tool_calls")[0].GetProperty("function").GetProperty("arguments").GetString()));
        Assert.NotEmpty(arguments);
        Assert.StartsWith("{", arguments, StringComparison.Ordinal);
        Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse(arguments));
        Assert.DoesNotContain(events, e => e.Data == "[DONE]");
    }

    [Fact]
    public async Task CutKey_MessagesStreamWithToolUse_StopsMidInputWithoutMessageStop()
    {
        using var response = await mock.PostAsync("/v1/messages", "cut-3",
            Messages("mock-tool:Read {\"file_path\":\"/tmp/a.txt\"}", stream: true, extra: AnthropicReadTool));

        var events = ParseSse(await response.Content.ReadAsStringAsync());
        Assert.Equal("message_start", events[0].Event);
        Assert.Equal("input_json_delta", JsonDocument.Parse(events[^1].Data).RootElement.GetProperty("delta").GetProperty("type").GetString());
        Assert.DoesNotContain(events, e => e.Event is "content_block_stop" or "message_delta" or "message_stop");
    }

    [Fact]
    public async Task StallKey_ChatStream_FirstChunkThenNothing()
    {
        using var response = await mock.SendAsync("/v1/chat/completions", "stall-1", Chat("m", "hi", stream: true),
            HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());

        var first = await reader.ReadLineAsync();
        Assert.StartsWith("data: {", first, StringComparison.Ordinal);
        Assert.Equal("", await reader.ReadLineAsync());
        var next = reader.ReadLineAsync();
        Assert.NotSame(next, await Task.WhenAny(next, Task.Delay(300)));
    }

    [Fact]
    public async Task CutKey_NonStream_NormalAnswer()
    {
        using var response = await mock.PostAsync("/v1/chat/completions", "cut-4", Chat("m", "hi"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("stop", (await JsonAsync(response)).GetProperty("choices")[0].GetProperty("finish_reason").GetString());
    }
}
