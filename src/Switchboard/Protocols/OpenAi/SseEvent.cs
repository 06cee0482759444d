namespace Switchboard.Protocols.OpenAi;

/// <summary>One server-sent event. <see cref="Data"/> is only valid until the parser reads the next event.</summary>
internal readonly record struct SseEvent(string? Name, ReadOnlyMemory<byte> Data)
{
    /// <summary>OpenAI's end marker, <c>data: [DONE]</c>.</summary>
    public bool IsDone => Data.Span.Trim(" \t"u8).SequenceEqual("[DONE]"u8);
}
