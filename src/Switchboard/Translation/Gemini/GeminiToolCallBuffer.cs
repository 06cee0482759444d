using System.Buffers;
using System.Text.Json;

namespace Switchboard.Translation.Gemini;

/// <summary>
/// One streamed pivot tool call, gathered until it is whole: a Gemini <c>functionCall</c> part carries its <c>args</c>
/// as one object, so it can only be written once every argument fragment has come. Fragments are kept as the upstream
/// escaped them (JSON string bodies concatenate as the strings do) and decoded once. Most upstreams send the new part of
/// the arguments in each fragment, some the whole text so far: both readings are kept, and the one that is complete
/// JSON wins at the end (a concatenation of snapshots never is).
/// </summary>
internal sealed class GeminiToolCallBuffer(int index)
{
    private readonly ArrayBufferWriter<byte> _concatenated = new(64);
    private byte[] _latest = [];

    /// <summary>The upstream's <c>index</c> of the call (several calls may share one).</summary>
    public int Index { get; } = index;

    public string? Id { get; set; }

    public string? Name { get; set; }

    public int Fragments { get; private set; }

    public void Add(ReadOnlySpan<byte> escapedFragment)
    {
        _concatenated.Write(escapedFragment);
        _latest = escapedFragment.ToArray();
        Fragments++;
    }

    /// <summary>The arguments' JSON text.</summary>
    public string Arguments()
    {
        var concatenated = Decode(_concatenated.WrittenSpan) ?? "";
        if (Fragments <= 1 || IsCompleteJson(concatenated))
        {
            return concatenated;
        }

        var latest = Decode(_latest) ?? "";
        return IsCompleteJson(latest) ? latest : concatenated;
    }

    private static string? Decode(ReadOnlySpan<byte> escapedBody)
    {
        var quoted = new byte[escapedBody.Length + 2];
        quoted[0] = (byte)'"';
        escapedBody.CopyTo(quoted.AsSpan(1));
        quoted[^1] = (byte)'"';
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

    private static bool IsCompleteJson(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
