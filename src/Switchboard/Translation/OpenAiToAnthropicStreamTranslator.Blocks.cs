using System.Buffers;
using System.Text.Json;

namespace Switchboard.Translation;

internal sealed partial class OpenAiToAnthropicStreamTranslator
{
    private readonly List<ToolState> _tools = [];
    private BlockKind _open;
    private ToolState? _openTool;
    private int _nextBlockIndex;
    private int _toolBlocks;

    // Text and reasoning that came while the open tool call's arguments were incomplete, kept until that block closes.
    private List<HeldRun>? _heldRuns;
    private ArrayBufferWriter<byte>? _heldText;

    private enum BlockKind
    {
        None,
        Thinking,
        Text,
        Tool,
    }

    private enum ToolStatus
    {
        Pending,
        Open,
        Closed,
    }

    private void EnsureOpen(BlockKind kind, IBufferWriter<byte> output)
    {
        if (_open == kind)
        {
            return;
        }

        CloseOpen(output);
        var json = BeginBlock(output);
        if (kind == BlockKind.Thinking)
        {
            json.WriteString("type"u8, "thinking"u8);
            json.WriteString("thinking"u8, ""u8);
            json.WriteString("signature"u8, ""u8);
        }
        else
        {
            json.WriteString("type"u8, "text"u8);
            json.WriteString("text"u8, ""u8);
        }

        EndBlockStart(json);
        _open = kind;
    }

    private Utf8JsonWriter BeginBlock(IBufferWriter<byte> output)
    {
        var json = _sse.Begin(output, "content_block_start"u8);
        json.WriteStartObject();
        json.WriteString("type"u8, "content_block_start"u8);
        json.WriteNumber("index"u8, _nextBlockIndex);
        json.WriteStartObject("content_block"u8);
        return json;
    }

    private void EndBlockStart(Utf8JsonWriter json)
    {
        json.WriteEndObject();
        json.WriteEndObject();
        _sse.End();
    }

    /// <param name="complete">False when the stream failed: a tool call's cut-off arguments are left as they are, never completed.</param>
    private void CloseOpen(IBufferWriter<byte> output, bool complete = true)
    {
        switch (_open)
        {
            case BlockKind.None:
                return;
            case BlockKind.Thinking:
                var signature = BeginDelta(output, "signature_delta"u8);
                signature.WriteString("signature"u8, StopReasons.ThinkingSignature);
                EndDelta(signature);
                break;
            case BlockKind.Tool:
                if (complete)
                {
                    CompleteArguments(_openTool!, output);
                }
                else
                {
                    // Cut: what was held back to learn the arguments' shape goes out as it is, never completed.
                    SendArguments(_openTool!, output, final: true);
                }

                _openTool!.Status = ToolStatus.Closed;
                _openTool = null;
                break;
            default:
                break;
        }

        var json = _sse.Begin(output, "content_block_stop"u8);
        json.WriteStartObject();
        json.WriteString("type"u8, "content_block_stop"u8);
        json.WriteNumber("index"u8, _nextBlockIndex);
        json.WriteEndObject();
        _sse.End();
        _nextBlockIndex++;
        _open = BlockKind.None;
    }

    private Utf8JsonWriter BeginDelta(IBufferWriter<byte> output, ReadOnlySpan<byte> deltaType)
    {
        var json = _sse.Begin(output, "content_block_delta"u8);
        json.WriteStartObject();
        json.WriteString("type"u8, "content_block_delta"u8);
        json.WriteNumber("index"u8, _nextBlockIndex);
        json.WriteStartObject("delta"u8);
        json.WriteString("type"u8, deltaType);
        return json;
    }

    private void EndDelta(Utf8JsonWriter json)
    {
        json.WriteEndObject();
        json.WriteEndObject();
        _sse.End();
    }

    /// <summary>Writes a delta whose value is a JSON string token taken verbatim from the upstream chunk.</summary>
    private void WriteDelta(IBufferWriter<byte> output, ReadOnlySpan<byte> deltaType, ReadOnlySpan<byte> field, ReadOnlySpan<byte> quoted)
    {
        RecordGenerated(quoted[1..^1]);
        WriteDeltaUnrecorded(output, deltaType, field, quoted);
    }

    private void WriteDeltaUnrecorded(IBufferWriter<byte> output, ReadOnlySpan<byte> deltaType, ReadOnlySpan<byte> field, ReadOnlySpan<byte> quoted)
    {
        if (TryWriteDeltaBytes(output, deltaType, field, quoted))
        {
            return;
        }

        var json = BeginDelta(output, deltaType);
        json.WritePropertyName(field);
        json.WriteRawValue(quoted, skipInputValidation: true);
        EndDelta(json);
    }

    private const int DirectDeltaMax = 4096;

    /// <summary>
    /// The stream's most frequent event (a text or thinking delta) written as bytes in one span: exactly the bytes
    /// <see cref="BeginDelta"/>'s <see cref="Utf8JsonWriter"/> writes (the golden streams compare them), without the writer's
    /// reset, state checks and flush per event (docs/benchmarks.md, the translated streams' per-event cost). Larger deltas
    /// (over 4 KiB) go through the writer, so that no span larger than a pipe segment is asked for.
    /// </summary>
    private bool TryWriteDeltaBytes(IBufferWriter<byte> output, ReadOnlySpan<byte> deltaType, ReadOnlySpan<byte> field, ReadOnlySpan<byte> quoted)
    {
        ReadOnlySpan<byte> head = "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":"u8;
        ReadOnlySpan<byte> delta = ",\"delta\":{\"type\":\""u8;
        var length = head.Length + 11 + delta.Length + deltaType.Length + 3 + field.Length + 2 + quoted.Length + 4;
        if (length > DirectDeltaMax)
        {
            return false;
        }

        var span = output.GetSpan(length);
        head.CopyTo(span);
        var at = head.Length;
        System.Buffers.Text.Utf8Formatter.TryFormat(_nextBlockIndex, span[at..], out var written);
        at += written;
        delta.CopyTo(span[at..]);
        at += delta.Length;
        deltaType.CopyTo(span[at..]);
        at += deltaType.Length;
        "\",\""u8.CopyTo(span[at..]);
        at += 3;
        field.CopyTo(span[at..]);
        at += field.Length;
        "\":"u8.CopyTo(span[at..]);
        at += 2;
        quoted.CopyTo(span[at..]);
        at += quoted.Length;
        "}}\n\n"u8.CopyTo(span[at..]);
        at += 4;
        output.Advance(at);
        return true;
    }

    /// <summary>
    /// A text or reasoning delta. While the open tool call's arguments are incomplete JSON it is held, not written:
    /// Anthropic allows one open block at a time, and closing the tool block here would cut arguments that are still
    /// coming (GLM's interleaved thinking, a stray newline between fragments). Held deltas follow the tool block.
    /// </summary>
    private void OnText(BlockKind kind, ReadOnlySpan<byte> quoted, IBufferWriter<byte> output)
    {
        if (_heldRuns is { Count: > 0 } || (_open == BlockKind.Tool && !IsComplete(_openTool!)))
        {
            Hold(kind, quoted[1..^1]);
            return;
        }

        EnsureOpen(kind, output);
        WriteDelta(output, kind == BlockKind.Thinking ? "thinking_delta"u8 : "text_delta"u8, kind == BlockKind.Thinking ? "thinking"u8 : "text"u8, quoted);
    }

    private void Hold(BlockKind kind, ReadOnlySpan<byte> escapedBody)
    {
        RecordGenerated(escapedBody);
        var runs = _heldRuns ??= [];
        var text = _heldText ??= new ArrayBufferWriter<byte>(256);
        var start = text.WrittenCount;
        text.Write(escapedBody);
        if (runs.Count > 0 && runs[^1].Kind == kind)
        {
            // JSON string bodies concatenate as the strings do.
            runs[^1] = runs[^1] with { Length = runs[^1].Length + escapedBody.Length };
        }
        else
        {
            runs.Add(new HeldRun(kind, start, escapedBody.Length));
        }
    }

    /// <summary>Writes the held deltas, one block per run; the last block stays open for what follows.</summary>
    private void ReleaseHeld(IBufferWriter<byte> output)
    {
        if (_heldRuns is not { Count: > 0 } runs)
        {
            return;
        }

        foreach (var run in runs)
        {
            EnsureOpen(run.Kind, output);
            _scratch.ResetWrittenCount();
            _scratch.Write("\""u8);
            _scratch.Write(_heldText!.WrittenSpan.Slice(run.Start, run.Length));
            _scratch.Write("\""u8);
            var thinking = run.Kind == BlockKind.Thinking;
            WriteDeltaUnrecorded(output, thinking ? "thinking_delta"u8 : "text_delta"u8, thinking ? "thinking"u8 : "text"u8, _scratch.WrittenSpan);
        }

        runs.Clear();
        _heldText!.ResetWrittenCount();
    }

    /// <summary>Closes the open block, writes what was held for it, and closes that too: nothing is left open.</summary>
    private void CloseAll(IBufferWriter<byte> output)
    {
        CloseOpen(output);
        if (_heldRuns is { Count: > 0 })
        {
            ReleaseHeld(output);
            CloseOpen(output);
        }
    }

    /// <summary>The stream failed: held deltas would follow a cut tool block, which must be the last before the error.</summary>
    private void DropHeld()
    {
        _heldRuns?.Clear();
        _heldText?.ResetWrittenCount();
    }

    private readonly record struct HeldRun(BlockKind Kind, int Start, int Length);

    private void OnToolDelta(in PivotToolFragment delta, ReadOnlySpan<byte> data, IBufferWriter<byte> output)
    {
        var tool = FindTool(delta);
        tool.Id ??= delta.Id is { Length: > 0 } ? delta.Id : null;
        tool.Name ??= delta.Name is { Length: > 0 } ? delta.Name : null;
        if (tool.Status == ToolStatus.Closed)
        {
            return;
        }

        var committed = tool.Arguments.WrittenCount;
        if (delta.Arguments.HasText)
        {
            AcceptFragment(tool, delta.Arguments.Body(data));
        }

        RecordGenerated(tool.Arguments.WrittenSpan[committed..]);
        if (tool.Status == ToolStatus.Open)
        {
            SendArguments(tool, output, final: false);
        }
        else
        {
            TryOpenTool(tool, output, force: false);
        }

        if (_heldRuns is { Count: > 0 } && _open == BlockKind.Tool && IsComplete(_openTool!))
        {
            // The arguments the held text interrupted are whole: close their block and let the text follow.
            CloseOpen(output);
            ReleaseHeld(output);
        }
    }

    /// <summary>
    /// The call a fragment belongs to. A fragment with a new non-empty <c>id</c> is a new call even under an index already
    /// in use: Ollama, SGLang and Dynamo send parallel calls all with <c>index: 0</c>.
    /// </summary>
    private ToolState FindTool(in PivotToolFragment delta)
    {
        if (delta.Index >= 0)
        {
            for (var i = _tools.Count - 1; i >= 0; i--)
            {
                var tool = _tools[i];
                if (tool.UpstreamIndex == delta.Index)
                {
                    if (PivotToolFragment.Continues(tool.Id, delta.Id))
                    {
                        return tool;
                    }

                    break;
                }
            }
        }
        else if (_tools.Count > 0 && (string.IsNullOrEmpty(delta.Id) || delta.Id == _tools[^1].Id))
        {
            // No index: a fragment without a new id continues the last call.
            return _tools[^1];
        }

        var created = new ToolState(delta.Index >= 0 ? delta.Index : _tools.Count);
        _tools.Add(created);
        return created;
    }

    private void TryOpenTool(ToolState tool, IBufferWriter<byte> output, bool force)
    {
        if (tool.Name is null)
        {
            return;
        }

        // Another call still streaming incomplete arguments keeps its block; this one waits (interleaved indexes).
        if (!force && _open == BlockKind.Tool && !IsComplete(_openTool!))
        {
            return;
        }

        CloseOpen(output);
        var json = BeginBlock(output);
        json.WriteString("type"u8, "tool_use"u8);
        json.WriteString("id"u8, tool.Id ?? $"toolu_{_messageId}_{tool.UpstreamIndex}");
        json.WriteString("name"u8, _names.Restore(tool.Name));
        json.WriteStartObject("input"u8);
        json.WriteEndObject();
        EndBlockStart(json);
        _open = BlockKind.Tool;
        _openTool = tool;
        tool.Status = ToolStatus.Open;
        _toolBlocks++;
        SendArguments(tool, output, final: false);
    }

    private void FlushPendingTools(IBufferWriter<byte> output)
    {
        foreach (var tool in _tools)
        {
            if (tool.Status == ToolStatus.Pending && tool.Name is not null)
            {
                TryOpenTool(tool, output, force: true);
                CloseOpen(output);
            }
        }
    }

    private void WriteArgumentsDelta(IBufferWriter<byte> output, ReadOnlySpan<byte> escapedBody)
    {
        _scratch.ResetWrittenCount();
        _scratch.Write("\""u8);
        _scratch.Write(escapedBody);
        _scratch.Write("\""u8);
        var json = BeginDelta(output, "input_json_delta"u8);
        json.WritePropertyName("partial_json"u8);
        json.WriteRawValue(_scratch.WrittenSpan, skipInputValidation: true);
        EndDelta(json);
    }
}
