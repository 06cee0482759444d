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

    private void WriteCommitted(ToolState tool, int from, IBufferWriter<byte> output)
    {
        var fresh = tool.Arguments.WrittenSpan[from..];
        if (!fresh.IsEmpty)
        {
            RecordGenerated(fresh);
            WriteArgumentsDelta(output, fresh);
        }
    }

    /// <summary>Before a tool block closes: empty arguments become <c>{}</c>, truncated ones are completed by appending.</summary>
    private void CompleteArguments(ToolState tool, IBufferWriter<byte> output)
    {
        if (tool.Kind == FragmentKind.Unknown)
        {
            var committed = tool.Arguments.WrittenCount;
            Settle(tool, Preferred(tool));
            WriteCommitted(tool, committed, output);
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

        /// <summary>While <see cref="Kind"/> is unknown: every fragment appended (the delta reading).</summary>
        public ArrayBufferWriter<byte> Concatenated { get; } = new(256);

        /// <summary>While <see cref="Kind"/> is unknown: the last fragment (the snapshot reading).</summary>
        public byte[] Latest { get; set; } = [];
    }
}
