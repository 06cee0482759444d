using System.Buffers;
using Switchboard.Protocols;

namespace Switchboard.Translation;

/// <summary>
/// Writes one client API's stream from the OpenAI chat pivot (architecture decision 12): the hub feeds it every
/// <c>chat.completion.chunk</c> of the upstream's answer (translated first when the upstream speaks Anthropic), event by
/// event as they arrive, and it writes the client's own events to <paramref name="output"/> at once (no buffering beyond
/// what one client event needs, such as a tool call's name before its first argument bytes). One instance per call.
/// </summary>
internal interface IPivotStreamWriter
{
    /// <summary>The client's stream has been ended (its terminal event written); later input is ignored.</summary>
    bool Finished { get; }

    /// <summary>The usage the pivot reported (the chunk with <c>usage</c>), or null when none came.</summary>
    TokenUsage? Usage { get; }

    /// <summary>Called once before the first chunk, so that a client API that opens with fixed events (Responses' <c>response.created</c>) writes them at once.</summary>
    void OnStart(IBufferWriter<byte> output);

    /// <summary>One pivot chunk: the JSON of one <c>data:</c> line (never <c>[DONE]</c>).</summary>
    void OnChunk(ReadOnlySpan<byte> chunkJson, IBufferWriter<byte> output);

    /// <summary>The pivot stream ended cleanly (<c>data: [DONE]</c>): write the client's terminal events.</summary>
    void OnDone(IBufferWriter<byte> output);

    /// <summary>
    /// The upstream failed after the stream began (cut, stalled, error event): end the client's stream with its own error
    /// signal, never with a clean end (architecture decision 10). <paramref name="message"/> is already redacted.
    /// </summary>
    void OnError(string type, string message, IBufferWriter<byte> output);
}
