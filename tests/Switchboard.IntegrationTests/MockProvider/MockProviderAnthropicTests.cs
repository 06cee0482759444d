using System.Net;
using System.Text.Json;
using static Switchboard.IntegrationTests.MockProvider.MockProviderHarness;

namespace Switchboard.IntegrationTests.MockProvider;

/// <summary>The Anthropic mode on the wire: exact event order, block contents, tool use, thinking, errors, count_tokens.</summary>
public sealed class MockProviderAnthropicTests(MockProviderHarness mock) : IClassFixture<MockProviderHarness>
{
    private const string ReadTool = ""","tools":[{"name":"Read","input_schema":{"type":"object","properties":{"file_path":{"type":"string"}}}}]""";

    private static string Messages(string content, bool stream, string extra = "") =>
        $$"""{"model":"claude-sonnet-4-5","max_tokens":1000,"stream":{{(stream ? "true" : "false")}},"messages":[{"role":"user","content":{{content}}}]{{extra}}}""";

    [Fact]
    public async Task MessagesStream_Text_FollowsAnthropicEventOrder()
    {
        using var response = await mock.PostAsync("/v1/messages?beta=true", "ok-a1", Messages("\"hi\"", stream: true), ("x-mock-chunks", "3"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var events = ParseSse(await response.Content.ReadAsStringAsync());
        Assert.Equal(
            ["message_start", "content_block_start", "ping", "content_block_delta", "content_block_delta", "content_block_delta",
             "content_block_stop", "message_delta", "message_stop"],
            events.Select(e => e.Event));
        var data = events.Select(e => JsonDocument.Parse(e.Data).RootElement).ToList();
        Assert.All(events.Zip(data), p => Assert.Equal(p.First.Event, p.Second.GetProperty("type").GetString()));
        var message = data[0].GetProperty("message");
        Assert.Equal("claude-sonnet-4-5", message.GetProperty("model").GetString());
        Assert.Equal(1, message.GetProperty("usage").GetProperty("input_tokens").GetInt32());
        Assert.Equal("text", data[1].GetProperty("content_block").GetProperty("type").GetString());
        var text = string.Concat(data.Skip(3).Take(3).Select(d => d.GetProperty("delta").GetProperty("text").GetString()));
        Assert.Equal("Hello from mock deployment ok-a1 (model claude-sonnet-4-5)", text);
        Assert.Equal("end_turn", data[7].GetProperty("delta").GetProperty("stop_reason").GetString());
        Assert.Equal(3, data[7].GetProperty("usage").GetProperty("output_tokens").GetInt32());
    }

    [Fact]
    public async Task MessagesStream_Thinking_SendsThinkingBlockWithSignatureBeforeText()
    {
        var body = Messages("\"hi\"", stream: true, extra: ""","thinking":{"type":"enabled","budget_tokens":1024}""");
        using var response = await mock.PostAsync("/v1/messages", "ok-a2", body, ("x-mock-chunks", "2"));

        var events = ParseSse(await response.Content.ReadAsStringAsync());
        var data = events.Select(e => JsonDocument.Parse(e.Data).RootElement).ToList();
        var summary = data.Select(d => d.GetProperty("type").GetString() switch
        {
            "content_block_start" => "start:" + d.GetProperty("content_block").GetProperty("type").GetString() + "@" + d.GetProperty("index").GetInt32(),
            "content_block_delta" => d.GetProperty("delta").GetProperty("type").GetString() + "@" + d.GetProperty("index").GetInt32(),
            "content_block_stop" => "stop@" + d.GetProperty("index").GetInt32(),
            var other => other,
        });
        Assert.Equal(
            ["message_start", "start:thinking@0", "ping", "thinking_delta@0", "thinking_delta@0", "thinking_delta@0", "signature_delta@0",
             "stop@0", "start:text@1", "text_delta@1", "text_delta@1", "stop@1", "message_delta", "message_stop"],
            summary);
        Assert.Equal(5, data[^2].GetProperty("usage").GetProperty("output_tokens").GetInt32());
    }

    [Fact]
    public async Task MessagesStream_ToolDirective_StreamsToolUseWithInputJsonDeltas()
    {
        var body = Messages("""[{"type":"text","text":"mock-tool:Read {\"file_path\":\"/tmp/x/a.txt\"}"}]""", stream: true, extra: ReadTool);
        using var response = await mock.PostAsync("/v1/messages", "ok-a3", body);

        var data = ParseSse(await response.Content.ReadAsStringAsync()).Select(e => JsonDocument.Parse(e.Data).RootElement).ToList();
        var start = data[1].GetProperty("content_block");
        Assert.Equal("tool_use", start.GetProperty("type").GetString());
        Assert.Equal("Read", start.GetProperty("name").GetString());
        Assert.StartsWith("toolu_", start.GetProperty("id").GetString());
        var partials = data.Where(d => d.GetProperty("type").GetString() == "content_block_delta")
            .Select(d => d.GetProperty("delta")).ToList();
        Assert.True(partials.Count > 1);
        Assert.All(partials, p => Assert.Equal("input_json_delta", p.GetProperty("type").GetString()));
        Assert.Equal("""{"file_path":"/tmp/x/a.txt"}""", string.Concat(partials.Select(p => p.GetProperty("partial_json").GetString())));
        Assert.Equal("tool_use", data[^2].GetProperty("delta").GetProperty("stop_reason").GetString());
        Assert.Equal("message_stop", data[^1].GetProperty("type").GetString());
    }

    [Fact]
    public async Task Messages_NonStreamToolResult_EchoesTheResult()
    {
        var body = """
            {"model":"glm-4.6","max_tokens":100,"tools":[{"name":"Read","input_schema":{"type":"object"}}],"messages":[
              {"role":"user","content":"read it"},
              {"role":"assistant","content":[{"type":"tool_use","id":"toolu_1","name":"Read","input":{"file_path":"/a"}}]},
              {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":[{"type":"text","text":"line one"}]}]}]}
            """;
        using var response = await mock.PostAsync("/v1/messages", "ok-a4", body);

        var json = await JsonAsync(response);
        Assert.Equal("message", json.GetProperty("type").GetString());
        Assert.Equal("end_turn", json.GetProperty("stop_reason").GetString());
        var block = Assert.Single(json.GetProperty("content").EnumerateArray());
        Assert.Equal("Tool result received: line one", block.GetProperty("text").GetString());
    }

    [Fact]
    public async Task Messages_NonStreamToolDirective_AnswersToolUseBlock()
    {
        var body = Messages("\"please mock-tool:Read {\\\"file_path\\\": \\\"/tmp/q\\\"}\"", stream: false, extra: ReadTool);
        using var response = await mock.PostAsync("/v1/messages", "ok-a5", body);

        var json = await JsonAsync(response);
        Assert.Equal("tool_use", json.GetProperty("stop_reason").GetString());
        var block = Assert.Single(json.GetProperty("content").EnumerateArray());
        Assert.Equal("tool_use", block.GetProperty("type").GetString());
        Assert.Equal("/tmp/q", block.GetProperty("input").GetProperty("file_path").GetString());
    }

    [Fact]
    public async Task Messages_SystemMessageAfterUserTurn_StillAnswersTheUserTurn()
    {
        // As Claude Code 2.1.197 and newer send it with their default model: messages[1] is a system message.
        var body = """{"model":"claude-opus-5-5","max_tokens":1000,"stream":false,"messages":[{"role":"user","content":[{"type":"text","text":"<system-reminder>x</system-reminder>"},{"type":"text","text":"mock-tool:Read {\"file_path\":\"/tmp/q\"}"}]},{"role":"system","content":[{"type":"text","text":"Available agent types","cache_control":{"type":"ephemeral"}}]}]""" + ReadTool + "}";
        using var response = await mock.PostAsync("/v1/messages", "ok-a7", body);

        var json = await JsonAsync(response);
        Assert.Equal("tool_use", json.GetProperty("stop_reason").GetString());
        Assert.Equal("/tmp/q", Assert.Single(json.GetProperty("content").EnumerateArray()).GetProperty("input").GetProperty("file_path").GetString());
    }

    [Theory]
    [InlineData("rl-a", 429, "rate_limit_error")]
    [InlineData("err-a", 500, "api_error")]
    [InlineData("auth-a", 401, "authentication_error")]
    public async Task Messages_FailingKey_AnswersInAnthropicShape(string key, int status, string type)
    {
        using var response = await mock.PostAsync("/v1/messages", key, Messages("\"hi\"", stream: true));

        Assert.Equal(status, (int)response.StatusCode);
        var json = await JsonAsync(response);
        Assert.Equal("error", json.GetProperty("type").GetString());
        Assert.Equal(type, json.GetProperty("error").GetProperty("type").GetString());
    }

    [Fact]
    public async Task Messages_MalformedJson_Answers400InAnthropicShape()
    {
        using var response = await mock.PostAsync("/v1/messages", "ok-a6", "{\"model\":");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_request_error", (await JsonAsync(response)).GetProperty("error").GetProperty("type").GetString());
    }

    [Fact]
    public async Task CountTokens_SystemAndMessages_CountsCharactersOverFour()
    {
        var body = """{"model":"m","system":[{"type":"text","text":"12345678"}],"messages":[{"role":"user","content":"abcdefgh"}]}""";
        using var response = await mock.PostAsync("/v1/messages/count_tokens?beta=true", "ok-a7", body);

        Assert.Equal(5, (await JsonAsync(response)).GetProperty("input_tokens").GetInt32());
    }
}
