using System.Buffers;

namespace Switchboard.Translation;

internal sealed partial class OpenAiToAnthropicStreamTranslator
{
    private enum FragmentKind
    {
        Unknown,
        Delta,
        Snapshot,
    }

    private enum ArgumentsShape
    {
        Unknown,
        Object,

        /// <summary>Not a JSON object: sent wrapped as <c>{"raw_arguments": …}</c>.</summary>
        Raw,
    }

    /// <summary>
    /// Takes one upstream <c>arguments</c> fragment (an escaped JSON-string body). Most upstreams send the new part;
    /// some repeat the whole arguments so far. A fragment that starts with the text so far does not settle which:
    /// <c>{"</c> then <c>{":1}</c> is the delta <c>{"{":1}</c>. So both readings are followed, and only what they share
    /// is committed, until the JSON of one of them can no longer be completed.
    /// </summary>
    private void AcceptFragment(ToolState tool, ReadOnlySpan<byte> fragment)
    {
        switch (tool.Kind)
        {
            case FragmentKind.Delta:
                tool.Arguments.Write(fragment);
                return;
            case FragmentKind.Snapshot:
                // A fragment that does not repeat the text so far can only be new text.
                tool.Arguments.Write(fragment.StartsWith(tool.Arguments.WrittenSpan) ? fragment[tool.Arguments.WrittenCount..] : fragment);
                return;
            default:
                break;
        }

        if (tool.Concatenated.WrittenCount == 0)
        {
            tool.Concatenated.Write(fragment);
            tool.Latest = fragment.ToArray();
            tool.Arguments.Write(fragment);
            return;
        }

        tool.Concatenated.Write(fragment);
        if (!fragment.StartsWith(tool.Latest))
        {
            Settle(tool, FragmentKind.Delta);
            return;
        }

        tool.Latest = fragment.ToArray();
        if (!IsViablePrefix(tool.Concatenated.WrittenSpan))
        {
            Settle(tool, IsViablePrefix(tool.Latest) ? FragmentKind.Snapshot : FragmentKind.Delta);
        }
        else if (!IsViablePrefix(tool.Latest))
        {
            Settle(tool, FragmentKind.Delta);
        }
    }

    /// <summary>When the stream ends undecided: the reading whose JSON is complete, else the usual delta.</summary>
    private FragmentKind Preferred(ToolState tool) =>
        tool.Kind != FragmentKind.Unknown ? tool.Kind
        : IsCompleteJson(tool.Concatenated.WrittenSpan) || !IsCompleteJson(tool.Latest) ? FragmentKind.Delta
        : FragmentKind.Snapshot;

    private static void Settle(ToolState tool, FragmentKind kind)
    {
        ReadOnlySpan<byte> text = kind == FragmentKind.Delta ? tool.Concatenated.WrittenSpan : tool.Latest;
        tool.Arguments.Write(text[tool.Arguments.WrittenCount..]);
        tool.Kind = kind;
        tool.Concatenated.Clear();
        tool.Latest = [];
    }

    /// <summary>
    /// Forwards the committed arguments not sent yet. Anthropic's tool input is always an object, so arguments that
    /// turn out not to be one are sent as <c>{"raw_arguments": "…"}</c>, as the non-stream answer does
    /// (<see cref="ToolArguments.WriteInput"/>). Which they are is settled by their first two significant characters:
    /// not <c>{</c>, or <c>{</c> followed by neither <c>"</c> nor <c>}</c> (<c>{file_path: …}</c>, <c>{'a': 1}</c>).
    /// Until then (leading whitespace, a lone <c>{</c>) nothing goes out. Invalid JSON that starts like an object
    /// (<c>{"a": undefined}</c>) is forwarded as it is: what was sent cannot be taken back (docs/compatibility.md).
    /// </summary>
    /// <param name="final">The block closes: send what is held back even if its shape is still open.</param>
    private void SendArguments(ToolState tool, IBufferWriter<byte> output, bool final)
    {
        var fresh = tool.Arguments.WrittenSpan[tool.Sent..];
        if (fresh.IsEmpty)
        {
            return;
        }

        if (tool.Shape == ArgumentsShape.Unknown)
        {
            tool.Shape = ShapeOf(tool.Arguments.WrittenSpan);
            if (tool.Shape == ArgumentsShape.Unknown)
            {
                if (!final || IsBlank(tool.Arguments.WrittenSpan))
                {
                    return;
                }

                tool.Shape = ArgumentsShape.Object;
            }
        }

        tool.Sent = tool.Arguments.WrittenCount;
        if (tool.Shape == ArgumentsShape.Object)
        {
            WriteArgumentsDelta(output, fresh);
            return;
        }

        // The upstream's escaped text is a valid JSON string body: inside quotes it is the raw_arguments value.
        _scratch.ResetWrittenCount();
        if (fresh.Length == tool.Arguments.WrittenCount)
        {
            _scratch.Write("{\"raw_arguments\":\""u8);
        }

        _scratch.Write(fresh);
        var json = BeginDelta(output, "input_json_delta"u8);
        json.WriteString("partial_json"u8, _scratch.WrittenSpan);
        EndDelta(json);
    }

    private ArgumentsShape ShapeOf(ReadOnlySpan<byte> escapedBody)
    {
        if (DecodeArguments(escapedBody) is not { } arguments)
        {
            // Not decodable yet (a surrogate pair split between fragments): wait for the next fragment.
            return ArgumentsShape.Unknown;
        }

        var text = arguments.AsSpan().TrimStart();
        if (text.IsEmpty)
        {
            return ArgumentsShape.Unknown;
        }

        if (text[0] != '{')
        {
            return ArgumentsShape.Raw;
        }

        text = text[1..].TrimStart();
        return text.IsEmpty ? ArgumentsShape.Unknown : text[0] is '"' or '}' ? ArgumentsShape.Object : ArgumentsShape.Raw;
    }

    private bool IsBlank(ReadOnlySpan<byte> escapedBody) => DecodeArguments(escapedBody) is { } arguments && string.IsNullOrWhiteSpace(arguments);

    /// <summary>Before a tool block closes: empty arguments become <c>{}</c>, truncated ones are completed by appending.</summary>
    private void CompleteArguments(ToolState tool, IBufferWriter<byte> output)
    {
        if (tool.Kind == FragmentKind.Unknown)
        {
            var committed = tool.Arguments.WrittenCount;
            Settle(tool, Preferred(tool));
            RecordGenerated(tool.Arguments.WrittenSpan[committed..]);
        }

        SendArguments(tool, output, final: true);
        if (tool.Shape == ArgumentsShape.Raw)
        {
            var end = BeginDelta(output, "input_json_delta"u8);
            end.WriteString("partial_json"u8, "\"}"u8);
            EndDelta(end);
            return;
        }

        var arguments = DecodeArguments(tool.Arguments.WrittenSpan);
        if (arguments is null)
        {
            return;
        }

        string? suffix = null;
        if (string.IsNullOrWhiteSpace(arguments))
        {
            suffix = "{}";
        }
        else if (!ToolArguments.TryParse(arguments, out _)
                 && ToolArguments.CompletionSuffix(arguments) is { } completion
                 && ToolArguments.TryParse(arguments + completion, out _))
        {
            suffix = completion;
        }

        if (suffix is not null)
        {
            var json = BeginDelta(output, "input_json_delta"u8);
            json.WriteString("partial_json"u8, suffix);
            EndDelta(json);
        }
    }

    /// <summary>
    /// Complete enough to close the block for another call. Not while both readings stand: the one complete now may be
    /// the wrong one (<c>{"a":</c>, <c>{"a":1}</c>, then <c>,"b":2}</c>), so the other calls wait.
    /// </summary>
    private bool IsComplete(ToolState tool) =>
        (tool.Kind != FragmentKind.Unknown || tool.Concatenated.WrittenCount == tool.Arguments.WrittenCount)
        && IsCompleteJson(tool.Arguments.WrittenSpan);

    private bool IsCompleteJson(ReadOnlySpan<byte> escapedBody) =>
        DecodeArguments(escapedBody) is { } arguments && !string.IsNullOrWhiteSpace(arguments) && ToolArguments.TryParse(arguments, out _);

    private bool IsViablePrefix(ReadOnlySpan<byte> escapedBody) =>
        DecodeArguments(escapedBody) is { } arguments && ToolArguments.IsViablePrefix(arguments);

    private string? DecodeArguments(ReadOnlySpan<byte> escapedBody)
    {
        if (escapedBody.IsEmpty)
        {
            return "";
        }

        _scratch.ResetWrittenCount();
        _scratch.Write("\""u8);
        _scratch.Write(escapedBody);
        _scratch.Write("\""u8);
        return DecodeJsonString(_scratch.WrittenSpan);
    }

    private sealed class ToolState(int upstreamIndex)
    {
        public int UpstreamIndex { get; } = upstreamIndex;

        public string? Id { get; set; }

        public string? Name { get; set; }

        public ToolStatus Status { get; set; }

        /// <summary>The arguments text committed so far: forwarded once the block is open.</summary>
        public ArrayBufferWriter<byte> Arguments { get; } = new(256);

        public FragmentKind Kind { get; set; }

        /// <summary>How many bytes of <see cref="Arguments"/> went to the client.</summary>
        public int Sent { get; set; }

        public ArgumentsShape Shape { get; set; }

        /// <summary>While <see cref="Kind"/> is unknown: every fragment appended (the delta reading).</summary>
        public ArrayBufferWriter<byte> Concatenated { get; } = new(256);

        /// <summary>While <see cref="Kind"/> is unknown: the last fragment (the snapshot reading).</summary>
        public byte[] Latest { get; set; } = [];
    }
}
