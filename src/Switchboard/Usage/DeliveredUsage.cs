using System.Buffers;
using System.Text.Json;
using Switchboard.Protocols;

namespace Switchboard.Usage;

/// <summary>
/// What a streamed answer has delivered so far, recorded by the relays as events pass, so that a stream that ends early
/// (client hang-up, <c>request_timeout</c>, a broken upstream) is billed for what it cost: the upstream's usage when it
/// reported one, else an estimate (<see cref="Settle"/>). Cheap per event on purpose: a text delta's JSON string body is
/// found with a vectorised search and copied as it is (still escaped); the tokenizer runs once, at the end, and only
/// when the upstream's usage never came. Not thread-safe: one call's relay writes it, its record reads it afterwards.
/// </summary>
internal sealed class DeliveredUsage
{
    /// <summary>Text kept for the output estimate; beyond it, bytes are counted and estimated at 4 per token.</summary>
    private const int TextCap = 1024 * 1024;

    private static readonly byte[][] OpenAiTextKeys = ["\"content\""u8.ToArray(), "\"reasoning_content\""u8.ToArray(), "\"arguments\""u8.ToArray()];
    private static readonly byte[][] AnthropicTextKeys = ["\"text\""u8.ToArray(), "\"thinking\""u8.ToArray(), "\"partial_json\""u8.ToArray()];

    private ArrayBufferWriter<byte>? _text;
    private long _droppedTextBytes;
    private int? _input;
    private int _cached;
    private int _cacheCreation;
    private int? _output;

    /// <summary>The upstream reported both the input and the output of the answer: nothing needs estimating.</summary>
    public bool Complete => _input.HasValue && _output.HasValue;

    /// <summary>Escaped text bytes recorded so far (kept and dropped).</summary>
    public long TextBytes => (_text?.WrittenCount ?? 0) + _droppedTextBytes;

    /// <summary>A whole usage object from the upstream (OpenAI's last chunk, a non-stream answer).</summary>
    public void ReportUsage(TokenUsage usage)
    {
        ReportInput(usage.InputTokens, usage.CachedInputTokens, usage.CacheCreationInputTokens);
        _output = usage.OutputTokens;
    }

    /// <summary>The input half, known before any output (Anthropic's <c>message_start</c>); totals include cache reads and writes.</summary>
    public void ReportInput(int inputTokens, int cachedTokens, int cacheCreationTokens)
    {
        _input = inputTokens;
        _cached = cachedTokens;
        _cacheCreation = cacheCreationTokens;
    }

    /// <summary>The final output count (Anthropic's <c>message_delta</c>).</summary>
    public void ReportOutput(int outputTokens) => _output = outputTokens;

    /// <summary>One OpenAI chat chunk's <c>data:</c> payload: its content, reasoning and tool-argument deltas, and its usage (the last chunk's).</summary>
    public void AddOpenAiChunk(ReadOnlySpan<byte> data)
    {
        AddStrings(data, OpenAiTextKeys);
        if (data.IndexOf("\"usage\""u8) >= 0 && TokenUsage.TryReadOpenAi(data, out var usage))
        {
            ReportUsage(usage);
        }
    }

    /// <summary>
    /// One Anthropic stream event: <c>message_start</c>'s input usage, <c>message_delta</c>'s output count, and the text,
    /// thinking and tool-input deltas of <c>content_block_delta</c> (the other events carry neither).
    /// </summary>
    public void AddAnthropicEvent(string? name, ReadOnlySpan<byte> data)
    {
        switch (name)
        {
            case "content_block_delta":
                AddStrings(data, AnthropicTextKeys);
                break;
            case "message_start" when TokenUsage.TryReadAnthropicMessageStart(data, out var start):
                ReportInput(start.InputTokens, start.CachedInputTokens, start.CacheCreationInputTokens);
                break;
            case "message_delta" when TokenUsage.TryReadOpenAi(data, out var delta):
                ReportOutput(delta.OutputTokens);
                break;
            default:
                break;
        }
    }

    /// <summary>
    /// The usage to bill: reported figures where the upstream gave them, the rest estimated (and marked so). The input
    /// estimate comes from <paramref name="countInput"/> (the tokenizer over the request), called only when needed.
    /// </summary>
    public TokenUsage Settle(Func<int> countInput)
    {
        ArgumentNullException.ThrowIfNull(countInput);
        var input = _input ?? countInput();
        var output = _output ?? CountOutput();
        return new TokenUsage(input, output, Math.Min(_cached, input), Estimated: !Complete) { CacheCreationInputTokens = _cacheCreation };
    }

    private int CountOutput()
    {
        var counted = 0;
        if (_text is { WrittenCount: > 0 } text)
        {
            // The bytes are JSON string bodies as the upstream escaped them, joined: one string to decode, once.
            var quoted = new byte[text.WrittenCount + 2];
            quoted[0] = (byte)'"';
            text.WrittenSpan.CopyTo(quoted.AsSpan(1));
            quoted[^1] = (byte)'"';
            counted = TokenCounter.CountText(Decode(quoted) ?? System.Text.Encoding.UTF8.GetString(text.WrittenSpan));
        }

        return counted + (int)Math.Min(int.MaxValue / 2, _droppedTextBytes / 4);
    }

    private static string? Decode(ReadOnlySpan<byte> quoted)
    {
        try
        {
            var reader = new Utf8JsonReader(quoted);
            return reader.Read() && reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>
    /// Copies the string value of each <paramref name="keys"/> member found in <paramref name="json"/>. A key's quoted
    /// name cannot occur inside a JSON string (its quotes would be escaped there), so a plain search finds members only.
    /// </summary>
    private void AddStrings(ReadOnlySpan<byte> json, byte[][] keys)
    {
        foreach (var key in keys)
        {
            var rest = json;
            int at;
            while ((at = rest.IndexOf(key)) >= 0)
            {
                rest = rest[(at + key.Length)..];
                var value = SkipToStringValue(rest);
                if (value < 0)
                {
                    continue;
                }

                rest = rest[value..];
                var length = StringBodyLength(rest);
                Append(rest[..length]);
                rest = rest[length..];
            }
        }
    }

    /// <summary>After a member name: the offset of its string value's first byte (past <c>: "</c>), or -1 when the value is not a string.</summary>
    private static int SkipToStringValue(ReadOnlySpan<byte> afterName)
    {
        var i = 0;
        while (i < afterName.Length && afterName[i] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
        {
            i++;
        }

        if (i >= afterName.Length || afterName[i] != (byte)':')
        {
            return -1;
        }

        i++;
        while (i < afterName.Length && afterName[i] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
        {
            i++;
        }

        return i < afterName.Length && afterName[i] == (byte)'"' ? i + 1 : -1;
    }

    /// <summary>Length of a string body up to (not including) its closing quote, escapes skipped; the whole span if unterminated.</summary>
    private static int StringBodyLength(ReadOnlySpan<byte> body)
    {
        var i = 0;
        while (i < body.Length)
        {
            var next = body[i..].IndexOfAny((byte)'"', (byte)'\\');
            if (next < 0)
            {
                return body.Length;
            }

            i += next;
            if (body[i] == (byte)'"')
            {
                return i;
            }

            i += 2;
        }

        return body.Length;
    }

    private void Append(ReadOnlySpan<byte> escaped)
    {
        if (escaped.IsEmpty)
        {
            return;
        }

        var text = _text ??= new ArrayBufferWriter<byte>(256);
        if (text.WrittenCount + escaped.Length <= TextCap)
        {
            text.Write(escaped);
        }
        else
        {
            _droppedTextBytes += escaped.Length;
        }
    }
}
