using System.Text.Json;

namespace Switchboard.Translation;

/// <summary>
/// Steps of a <see cref="Utf8JsonReader"/> skim shared by the chunk and usage readers (allocation-free): each is called
/// with the reader on a property name and leaves it on the last token of that property's value.
/// </summary>
internal static class JsonSkim
{
    /// <summary>The property's value when it is a number that fits an <see cref="int"/>, else 0 (the value skipped).</summary>
    public static int ReadInt(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var value))
        {
            return value;
        }

        reader.Skip();
        return 0;
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
