using System.Text.Json;
using System.Text.Json.Nodes;

namespace Switchboard.Tests.Translation;

/// <summary>
/// The order Anthropic's stream promises and Claude Code relies on: one message_start; blocks opened and closed one at a
/// time with consecutive indexes and matching delta types; tool input that parses as an object; message_delta then
/// message_stop once; or an error event, after which nothing comes.
/// </summary>
internal sealed class AnthropicEventValidator
{
    private bool _started;
    private bool _deltaSeen;
    private bool _stopped;
    private bool _errored;
    private int _nextIndex;
    private string? _openType;
    private bool _signatureSeen;
    private readonly System.Text.StringBuilder _toolJson = new();
    private string? _cutToolInput;

    public List<JsonObject> Blocks { get; } = [];

    public string? StopReason { get; private set; }

    public void Validate(IEnumerable<(string? Name, string Data)> events)
    {
        foreach (var (name, data) in events)
        {
            Feed(name, data);
        }

        Complete();
    }

    public void Feed(string? name, string data)
    {
        Assert.False(_stopped || _errored, $"event {name} after the end of the stream");
        Assert.True(_cutToolInput is null || name == "error", $"tool input is not a JSON object: {_cutToolInput}");
        var node = JsonNode.Parse(data)!.AsObject();
        Assert.Equal(name, (string?)node["type"]);
        switch (name)
        {
            case "ping":
                return;
            case "error":
                Assert.NotNull(node["error"]?["type"]);
                _errored = true;
                return;
            case "message_start":
                Assert.False(_started, "second message_start");
                Assert.Equal("assistant", (string?)node["message"]!["role"]);
                _started = true;
                return;
            default:
                Assert.True(_started, $"{name} before message_start");
                break;
        }

        switch (name)
        {
            case "content_block_start":
                Assert.Null(_openType);
                Assert.False(_deltaSeen, "block after message_delta");
                Assert.Equal(_nextIndex, (int)node["index"]!);
                var block = node["content_block"]!.AsObject();
                _openType = (string?)block["type"];
                Assert.Contains(_openType, new[] { "text", "thinking", "tool_use" });
                if (_openType == "tool_use")
                {
                    Assert.False(string.IsNullOrEmpty((string?)block["name"]), "tool_use without a name");
                    Assert.False(string.IsNullOrEmpty((string?)block["id"]), "tool_use without an id");
                }

                Blocks.Add(block.DeepClone().AsObject());
                _toolJson.Clear();
                _signatureSeen = false;
                break;
            case "content_block_delta":
                Assert.NotNull(_openType);
                Assert.Equal(_nextIndex, (int)node["index"]!);
                var delta = node["delta"]!;
                var current = Blocks[^1];
                switch ((string?)delta["type"])
                {
                    case "text_delta":
                        Assert.Equal("text", _openType);
                        current["text"] = (string?)current["text"] + (string?)delta["text"];
                        break;
                    case "thinking_delta":
                        Assert.Equal("thinking", _openType);
                        Assert.False(_signatureSeen, "thinking after its signature");
                        current["thinking"] = (string?)current["thinking"] + (string?)delta["thinking"];
                        break;
                    case "signature_delta":
                        Assert.Equal("thinking", _openType);
                        current["signature"] = (string?)delta["signature"];
                        _signatureSeen = true;
                        break;
                    case "input_json_delta":
                        Assert.Equal("tool_use", _openType);
                        _toolJson.Append((string?)delta["partial_json"]);
                        break;
                    case var other:
                        Assert.Fail($"unknown delta {other}");
                        break;
                }

                break;
            case "content_block_stop":
                Assert.NotNull(_openType);
                Assert.Equal(_nextIndex, (int)node["index"]!);
                if (_openType == "tool_use")
                {
                    var json = _toolJson.Length == 0 ? "{}" : _toolJson.ToString();
                    JsonNode? input = null;
                    var ex = Record.Exception(() => input = JsonNode.Parse(json));
                    if (ex is null && input is JsonObject)
                    {
                        Blocks[^1]["input"] = input;
                    }
                    else
                    {
                        // Allowed only as the last block of a failed stream: cut arguments are never completed.
                        _cutToolInput = json;
                    }
                }

                if (_openType == "thinking")
                {
                    Assert.True(_signatureSeen, "thinking block closed without signature_delta");
                }

                _openType = null;
                _nextIndex++;
                break;
            case "message_delta":
                Assert.Null(_openType);
                Assert.False(_deltaSeen, "second message_delta");
                StopReason = (string?)node["delta"]!["stop_reason"];
                Assert.Contains(StopReason, new[] { "end_turn", "max_tokens", "stop_sequence", "tool_use", "refusal", "pause_turn" });
                Assert.NotNull(node["usage"]?["output_tokens"]);
                _deltaSeen = true;
                break;
            case "message_stop":
                Assert.True(_deltaSeen, "message_stop without message_delta");
                _stopped = true;
                break;
            default:
                Assert.Fail($"unknown event {name}");
                break;
        }
    }

    public void Complete()
    {
        Assert.True(_stopped || _errored, "the stream ended without message_stop or error");
        Assert.True(_cutToolInput is null || _errored, $"tool input is not a JSON object: {_cutToolInput}");
        if (_errored)
        {
            Assert.Null(_openType);
        }
    }

    public static void AssertWellFormed(ReadOnlySpan<byte> sse) => new AnthropicEventValidator().Validate(GoldenFiles.ParseSse(sse));

    public static string Compact(JsonNode node) => node.ToJsonString(new JsonSerializerOptions { WriteIndented = false });
}
