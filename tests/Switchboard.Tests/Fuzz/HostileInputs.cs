using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Switchboard.Tests.Fuzz;

/// <summary>
/// Turns a valid input into a hostile one: random bytes, truncation, byte flips, invalid UTF-8, lone surrogate and NUL
/// escapes inside strings, and structural changes on the JSON tree (a value of another type, deep nesting, huge strings,
/// fields removed or added under the names the translators look for).
/// </summary>
internal static class HostileInputs
{
    private static readonly JsonDocumentOptions ReadDeep = new() { MaxDepth = 4096, CommentHandling = JsonCommentHandling.Skip };

    private static readonly JsonSerializerOptions WriteDeep = new() { MaxDepth = 4096, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static readonly byte[][] BadUtf8 =
    [
        [0xff], [0xfe, 0xff], [0xc3], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xed, 0xbf, 0xbf], [0xc0, 0xaf], [0xf8, 0x88, 0x80, 0x80, 0x80], [0x80],
    ];

    private static readonly string[] BadEscapes = ["\\ud800", "\\udfff", "\\udbff\\u0041", "\\u0000", "\\ud83d", "\\uDC00\\uD800", "\\u", "\\x41", "\\"];

    private static readonly string[] Names =
    [
        "model", "messages", "role", "content", "type", "text", "tools", "tool_calls", "tool_choice", "function", "name", "arguments",
        "id", "tool_call_id", "tool_use_id", "input", "input_schema", "parameters", "system", "stream", "stream_options",
        "include_usage", "max_tokens", "temperature", "top_p", "stop", "stop_sequences", "image_url", "url", "source", "data",
        "media_type", "thinking", "signature", "metadata", "user_id", "user", "is_error", "cache_control", "choices", "delta",
        "index", "finish_reason", "usage", "prompt_tokens", "completion_tokens", "reasoning_content", "error", "message",
        "content_block", "partial_json", "stop_reason", "input_tokens", "output_tokens", "budget_tokens", "disable_parallel_tool_use",
    ];

    private static readonly string[] Words =
    [
        "user", "assistant", "system", "developer", "tool", "function", "text", "image", "image_url", "tool_use", "tool_result",
        "thinking", "redacted_thinking", "document", "base64", "url", "auto", "any", "none", "required", "enabled", "disabled",
        "adaptive", "stop", "length", "tool_calls", "content_filter", "end_turn", "text_delta", "input_json_delta", "thinking_delta",
        "message_start", "content_block_start", "[DONE]", "", " ", "{", "data:image/png;base64,@@@", "data:", "glm-4.6", "\u0000",
    ];

    private static readonly string[] Numbers = ["0", "-1", "1", "1.5", "1e308", "-1e308", "1e400", "2147483648", "-9223372036854775809", "1e-400", "0.0000001", "99999999999999999999999"];

    /// <summary>One to three mutations of <paramref name="seed"/>.</summary>
    public static byte[] Mutate(byte[] seed, Random random)
    {
        var bytes = seed;
        for (var rounds = random.Next(1, 4); rounds > 0; rounds--)
        {
            bytes = random.Next(16) switch
            {
                0 => RandomBytes(random, random.Next(0, 64)),
                1 => bytes[..random.Next(0, bytes.Length + 1)],
                2 => Insert(bytes, random.Next(0, bytes.Length + 1), RandomBytes(random, random.Next(1, 8))),
                3 => Flip(bytes, random),
                4 or 5 => InsertInString(bytes, random, BadUtf8[random.Next(BadUtf8.Length)]),
                6 or 7 => InsertInString(bytes, random, Encoding.ASCII.GetBytes(BadEscapes[random.Next(BadEscapes.Length)])),
                _ => TryStructural(bytes, random) ?? Flip(bytes, random),
            };
        }

        return bytes;
    }

    /// <summary>An SSE stream with one or more events' data mutated, lines dropped or repeated, or its bytes mutated whole.</summary>
    public static byte[] MutateSse(byte[] seed, Random random)
    {
        if (random.Next(5) == 0)
        {
            return Mutate(seed, random);
        }

        var lines = Encoding.UTF8.GetString(seed).Split('\n').Select(Encoding.UTF8.GetBytes).ToList();
        for (var rounds = random.Next(1, 4); rounds > 0 && lines.Count > 0; rounds--)
        {
            var data = Enumerable.Range(0, lines.Count).Where(i => lines[i].AsSpan().StartsWith("data:"u8)).ToList();
            var at = data.Count > 0 && random.Next(4) != 0 ? data[random.Next(data.Count)] : random.Next(lines.Count);
            switch (random.Next(8))
            {
                case 0:
                    lines.RemoveAt(at);
                    break;
                case 1:
                    lines.Insert(at, lines[at]);
                    break;
                case 2:
                    lines.RemoveRange(at, lines.Count - at);
                    break;
                default:
                    var line = lines[at];
                    var colon = line.AsSpan().IndexOf((byte)':');
                    lines[at] = colon < 0 ? Mutate(line, random) : [.. line.AsSpan(0, colon + 1), .. Mutate(line[(colon + 1)..], random)];
                    break;
            }
        }

        return [.. lines.SelectMany((line, i) => i == 0 ? line : [(byte)'\n', .. line])];
    }

    public static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        if (random.Next(2) == 0)
        {
            random.NextBytes(bytes);
        }
        else
        {
            // JSON-ish noise finds more than uniform bytes: the parser gets past its first byte.
            const string alphabet = "{}[]\",:\\u0123456789abcdefnulltrue-+.eE \n\r\t";
            for (var i = 0; i < length; i++)
            {
                bytes[i] = (byte)alphabet[random.Next(alphabet.Length)];
            }
        }

        return bytes;
    }

    private static byte[] Insert(byte[] bytes, int at, byte[] insert) => [.. bytes.AsSpan(0, at), .. insert, .. bytes.AsSpan(at)];

    private static byte[] Flip(byte[] bytes, Random random)
    {
        if (bytes.Length == 0)
        {
            return RandomBytes(random, 4);
        }

        var copy = (byte[])bytes.Clone();
        copy[random.Next(copy.Length)] = (byte)random.Next(256);
        return copy;
    }

    /// <summary>Right after a random quote, so the bytes usually land inside a string (or a property name).</summary>
    private static byte[] InsertInString(byte[] bytes, Random random, byte[] insert)
    {
        var quotes = new List<int>();
        for (var i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] == (byte)'"')
            {
                quotes.Add(i + 1);
            }
        }

        return Insert(bytes, quotes.Count == 0 ? random.Next(0, bytes.Length + 1) : quotes[random.Next(quotes.Count)], insert);
    }

    /// <summary>A tree mutation when the bytes still parse into one (JsonNode decodes lazily, so bad strings throw late).</summary>
    private static byte[]? TryStructural(byte[] bytes, Random random)
    {
        try
        {
            return Structural(bytes, random);
        }
        catch (InvalidOperationException)
        {
            return null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static byte[]? Structural(byte[] bytes, Random random)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(bytes, documentOptions: ReadDeep);
        }
        catch (JsonException)
        {
            return null;
        }
        catch (InvalidOperationException)
        {
            return null;
        }

        if (root is null)
        {
            return null;
        }

        var nodes = new List<JsonNode>();
        Collect(root, nodes);
        var target = nodes[random.Next(nodes.Count)];
        switch (random.Next(6))
        {
            case 0 when target.Parent is JsonObject parent:
                parent.Remove(target.GetPropertyName());
                break;
            case 1 when target is JsonObject obj:
                obj[Names[random.Next(Names.Length)]] = Value(random, 0);
                break;
            case 2:
                root = Replace(root, target, Nest(random, random.Next(2) == 0 ? random.Next(1, 80) : random.Next(60, 400)));
                break;
            case 3:
                root = Replace(root, target, JsonValue.Create(Huge(random)));
                break;
            default:
                root = Replace(root, target, Value(random, 0));
                break;
        }

        try
        {
            return Encoding.UTF8.GetBytes(root?.ToJsonString(WriteDeep) ?? "null");
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>Every node of the tree, the root first, depth first.</summary>
    internal static void Collect(JsonNode node, List<JsonNode> nodes)
    {
        nodes.Add(node);
        switch (node)
        {
            case JsonObject obj:
                foreach (var (_, child) in obj)
                {
                    if (child is not null)
                    {
                        Collect(child, nodes);
                    }
                }

                break;
            case JsonArray array:
                foreach (var child in array)
                {
                    if (child is not null)
                    {
                        Collect(child, nodes);
                    }
                }

                break;
        }
    }

    private static JsonNode? Replace(JsonNode root, JsonNode target, JsonNode? value)
    {
        switch (target.Parent)
        {
            case JsonObject parent:
                parent[target.GetPropertyName()] = value;
                return root;
            case JsonArray parent:
                parent[target.GetElementIndex()] = value;
                return root;
            default:
                return value;
        }
    }

    /// <summary>A value of any type: the "wrong type anywhere" of the fuzz.</summary>
    private static JsonNode? Value(Random random, int depth) => random.Next(depth > 2 ? 4 : 7) switch
    {
        0 => null,
        1 => JsonValue.Create(random.Next(2) == 0),
        2 => JsonNode.Parse(Numbers[random.Next(Numbers.Length)]),
        3 => JsonValue.Create(Words[random.Next(Words.Length)]),
        4 => new JsonArray([.. Enumerable.Range(0, random.Next(0, 3)).Select(_ => Value(random, depth + 1))]),
        5 => new JsonObject(Enumerable.Range(0, random.Next(0, 3))
            .Select(_ => KeyValuePair.Create(Names[random.Next(Names.Length)], Value(random, depth + 1)))
            .DistinctBy(p => p.Key)),
        _ => JsonValue.Create(Huge(random)),
    };

    private static JsonNode Nest(Random random, int depth)
    {
        JsonNode node = JsonValue.Create("deep");
        for (var i = 0; i < depth; i++)
        {
            node = random.Next(2) == 0 ? new JsonArray(node) : new JsonObject { [Names[random.Next(Names.Length)]] = node };
        }

        return node;
    }

    /// <summary>Mostly up to 8 KB, one in twenty up to 256 KB, one in two hundred 1 MB (huge strings are slow to fuzz in bulk).</summary>
    private static string Huge(Random random) =>
        new((char)random.Next('a', 'z' + 1), random.Next(200) == 0 ? 1 << 20 : random.Next(20) == 0 ? random.Next(1, 256 * 1024) : random.Next(1, 8 * 1024));
}
