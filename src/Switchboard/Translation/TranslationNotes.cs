using System.Collections.Frozen;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Switchboard.Translation;

/// <summary>
/// What a request translation left out or turned into text because the other protocol has no place for it (an unknown
/// block type, a server tool, an Anthropic-only field). Kept so that the policy is visible in tests and in debug logs;
/// never holds prompt text, only paths, types and field names (docs/compatibility.md). Bounded: a hostile request
/// with a million unknown blocks yields a handful of notes and a count.
/// </summary>
internal sealed class TranslationNotes
{
    public const int MaxNotes = 32;

    private readonly List<string> _items = [];
    private int _more;

    public IReadOnlyList<string> Items => _more == 0 ? _items : [.. _items, $"… and {_more} more"];

    public void Add(string note)
    {
        if (_items.Count < MaxNotes)
        {
            _items.Add(note);
        }
        else
        {
            _more++;
        }
    }

    /// <summary>
    /// One note per top-level field of <paramref name="root"/> that is not in <paramref name="known"/>, saying why it was
    /// left out (<paramref name="reason"/>, e.g. "not an OpenAI field"). Unknown fields never fail a call.
    /// </summary>
    public void AddUnknownFields(JsonElement root, FrozenSet<string> known, string reason)
    {
        foreach (var property in root.EnumerateObject())
        {
            if (!known.Contains(property.Name))
            {
                Add($"{JsonInput.Quote(property.Name, 64)}: {reason}, left out");
            }
        }
    }

    /// <summary>Writes every note at debug level (nothing when debug logging is off).</summary>
    public void LogTo(ILogger? logger, string direction)
    {
        if (logger is null || !logger.IsEnabled(LogLevel.Debug))
        {
            return;
        }

        foreach (var item in Items)
        {
            Log.Ignored(logger, direction, item);
        }
    }
}
