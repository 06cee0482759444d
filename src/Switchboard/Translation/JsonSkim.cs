using System.Text.Json;

namespace Switchboard.Translation;

/// <summary>
/// Steps of a <see cref="Utf8JsonReader"/> skim shared by the chunk and usage readers (allocation-free): each is called
/// with the reader on a property name and leaves it on the last token of that property's value.
/// </summary>
internal static class JsonSkim
{
    /// <summary>
    /// The property's value as a token count: null reads as 0; a number that no token counter gives (negative, fractional,
    /// above <see cref="Protocols.TokenUsage.MaxCount"/>) or another JSON type clears <paramref name="trusted"/> and reads as
    /// 0, so that the caller bills by its own estimate instead (docs/architecture.md, decision 10).
    /// </summary>
    public static int ReadCount(ref Utf8JsonReader reader, ref bool trusted)
    {
        reader.Read();
        return Protocols.TokenUsage.ReadCount(ref reader, ref trusted);
    }

    /// <summary>
    /// Moves onto the property's value: true when it is an object (the reader then on its start, ready to loop over
    /// its properties), false when it is anything else (the value skipped).
    /// </summary>
    public static bool EnterObject(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.StartObject)
        {
            return true;
        }

        reader.Skip();
        return false;
    }

    /// <summary>Skips the property's value, whatever it is.</summary>
    public static void SkipValue(ref Utf8JsonReader reader)
    {
        reader.Read();
        reader.Skip();
    }
}
