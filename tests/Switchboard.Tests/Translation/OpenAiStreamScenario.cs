using System.Text;
using System.Text.Json.Nodes;

namespace Switchboard.Tests.Translation;

/// <summary>
/// A random but valid OpenAI answer, as a chunk stream and as the equivalent non-stream <c>chat.completion</c>:
/// reasoning, text and tool calls (arguments cut anywhere, optionally interleaved), with or without finish reason,
/// usage chunk and <c>[DONE]</c>. Keys and values are made of JSON look-alikes on purpose (braces, quotes, backslashes,
/// escapes, nested objects with the same key) so that text inside strings that looks like structure stays covered, and
/// some calls repeat their whole arguments so far in every chunk, as some upstreams do.
/// </summary>
internal sealed class OpenAiStreamScenario
{
    private const string Alphabet = "ab c\"\\/\n\té世界👋🤔{}[]:,0";

    private static readonly string[] Tokens = ["{\"", "\":", "\\\"", "\\u0022", "\\", "}}", "{\"a\":"];

    public string Reasoning { get; private init; } = "";

    public string Content { get; private init; } = "";

    public List<(string Id, string Name, JsonObject Arguments)> Tools { get; } = [];

    /// <summary>Per tool: whether its chunks carry the whole arguments so far instead of the new part.</summary>
    public List<bool> Snapshots { get; } = [];

    public bool Finish { get; private init; }

    public bool UsageChunk { get; private init; }

    public bool Done { get; private init; }

    public bool Interleave { get; private init; }

    public int Seed { get; private init; }

    public static OpenAiStreamScenario Create(int seed, bool finish, bool usage, bool done, bool interleave)
    {
        var random = new Random(seed);
        var scenario = new OpenAiStreamScenario
        {
            Seed = seed,
            Reasoning = random.Next(3) == 0 ? "" : RandomText(random, random.Next(1, 30)),
            Content = random.Next(3) == 0 ? "" : RandomText(random, random.Next(1, 30)),
            Finish = finish,
            UsageChunk = usage,
            Done = done,
            Interleave = interleave,
        };
        var toolCount = random.Next(0, 4);
        for (var i = 0; i < toolCount; i++)
        {
            var arguments = new JsonObject();
            for (var k = random.Next(0, 3); k > 0; k--)
            {
                var key = RandomText(random, random.Next(1, 5));
                arguments[key] = random.Next(3) switch
                {
                    0 => RandomText(random, random.Next(0, 12)),
                    1 => random.Next(1000),
                    _ => new JsonObject { [key] = random.Next(2) == 0 ? RandomText(random, random.Next(0, 6)) : random.Next(1000) },
                };
            }

            scenario.Tools.Add(($"call_{i}", i == 2 ? StreamRunner.LongToolName : $"tool_{i}", arguments));
            scenario.Snapshots.Add(random.Next(4) == 0);
        }

        return scenario;
    }

    public string StopReason => Tools.Count > 0 ? "tool_use" : "end_turn";

    /// <summary>The upstream SSE bytes.</summary>
    public byte[] StreamBytes(StreamRunnerNames names)
    {
        var random = new Random(Seed ^ 0x5eed);
        var chunks = new List<JsonObject>();
        foreach (var piece in Cut(random, Reasoning))
        {
            chunks.Add(Chunk(new JsonObject { ["reasoning_content"] = piece }));
        }

        foreach (var piece in Cut(random, Content))
        {
            chunks.Add(Chunk(new JsonObject { ["content"] = piece }));
        }

        var toolChunks = new List<List<JsonObject>>();
        for (var i = 0; i < Tools.Count; i++)
        {
            var (id, name, arguments) = Tools[i];
            var list = new List<JsonObject>();
            var fragments = Cut(random, arguments.ToJsonString()).ToList();
            if (fragments.Count == 0)
            {
                fragments.Add("");
            }

            for (var f = 0; f < fragments.Count; f++)
            {
                var function = new JsonObject { ["arguments"] = Snapshots[i] ? string.Concat(fragments.Take(f + 1)) : fragments[f] };
                var call = new JsonObject { ["index"] = i, ["function"] = function };
                if (f == 0)
                {
                    call["id"] = id;
                    call["type"] = "function";
                    function["name"] = names.Shorten(name);
                }

                list.Add(Chunk(new JsonObject { ["tool_calls"] = new JsonArray(call) }));
            }

            toolChunks.Add(list);
        }

        if (Interleave)
        {
            while (toolChunks.Any(l => l.Count > 0))
            {
                var pick = toolChunks.Where(l => l.Count > 0).ElementAt(random.Next(toolChunks.Count(l => l.Count > 0)));
                chunks.Add(pick[0]);
                pick.RemoveAt(0);
            }
        }
        else
        {
            chunks.AddRange(toolChunks.SelectMany(l => l));
        }

        if (Finish)
        {
            var last = Chunk(new JsonObject());
            last["choices"]![0]!["finish_reason"] = Tools.Count > 0 ? "tool_calls" : "stop";
            chunks.Add(last);
        }

        if (UsageChunk)
        {
            chunks.Add(new JsonObject
            {
                ["id"] = "chatcmpl-p",
                ["choices"] = new JsonArray(),
                ["usage"] = new JsonObject { ["prompt_tokens"] = 50, ["completion_tokens"] = 20, ["prompt_tokens_details"] = new JsonObject { ["cached_tokens"] = 8 } },
            });
        }

        var text = new StringBuilder();
        foreach (var chunk in chunks)
        {
            text.Append("data: ").Append(chunk.ToJsonString()).Append("\n\n");
        }

        if (Done)
        {
            text.Append("data: [DONE]\n\n");
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }

    /// <summary>The same answer as one <c>chat.completion</c>.</summary>
    public byte[] CompletionBytes(StreamRunnerNames names)
    {
        var message = new JsonObject { ["role"] = "assistant", ["content"] = Content };
        if (Reasoning.Length > 0)
        {
            message["reasoning_content"] = Reasoning;
        }

        if (Tools.Count > 0)
        {
            var calls = new JsonArray();
            foreach (var (id, name, arguments) in Tools)
            {
                calls.Add(new JsonObject
                {
                    ["id"] = id,
                    ["type"] = "function",
                    ["function"] = new JsonObject { ["name"] = names.Shorten(name), ["arguments"] = arguments.ToJsonString() },
                });
            }

            message["tool_calls"] = calls;
        }

        var completion = new JsonObject
        {
            ["id"] = "chatcmpl-p",
            ["object"] = "chat.completion",
            ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["message"] = message, ["finish_reason"] = Tools.Count > 0 ? "tool_calls" : "stop" }),
            ["usage"] = new JsonObject { ["prompt_tokens"] = 50, ["completion_tokens"] = 20, ["prompt_tokens_details"] = new JsonObject { ["cached_tokens"] = 8 } },
        };
        return Encoding.UTF8.GetBytes(completion.ToJsonString());
    }

    public override string ToString() => $"seed={Seed} finish={Finish} usage={UsageChunk} done={Done} interleave={Interleave}";

    private static JsonObject Chunk(JsonObject delta) => new()
    {
        ["id"] = "chatcmpl-p",
        ["object"] = "chat.completion.chunk",
        ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = delta, ["finish_reason"] = null }),
    };

    private static string RandomText(Random random, int length)
    {
        var text = new StringBuilder();
        var elements = System.Globalization.StringInfo.GetTextElementEnumerator(Alphabet);
        var pool = new List<string>();
        while (elements.MoveNext())
        {
            pool.Add((string)elements.Current);
        }

        for (var i = 0; i < length; i++)
        {
            text.Append(random.Next(4) == 0 ? Tokens[random.Next(Tokens.Length)] : pool[random.Next(pool.Count)]);
        }

        return text.ToString();
    }

    /// <summary>Cuts text into 1..4 pieces, never inside a surrogate pair (a JSON writer refuses half a character).</summary>
    private static IEnumerable<string> Cut(Random random, string text)
    {
        var start = 0;
        while (start < text.Length)
        {
            var end = Math.Min(text.Length, start + random.Next(1, Math.Max(2, text.Length / 2 + 1)));
            if (end < text.Length && char.IsLowSurrogate(text[end]))
            {
                end++;
            }

            yield return text[start..end];
            start = end;
        }
    }
}

/// <summary>Tool names as the request translation shortened them.</summary>
internal sealed class StreamRunnerNames
{
    public Switchboard.Translation.ToolNameMap Map { get; } = StreamRunner.Names();

    public string Shorten(string name) => Switchboard.Translation.ToolNameMap.ShortenName(name);
}
