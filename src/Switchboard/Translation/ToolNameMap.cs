using System.Security.Cryptography;
using System.Text;

namespace Switchboard.Translation;

/// <summary>
/// OpenAI limits function names to 64 characters; Anthropic tool names (MCP tools in particular) can be longer.
/// Long names are shortened deterministically, so the same name in history and in <c>tools</c> maps alike,
/// and restored in the answer.
/// </summary>
internal sealed class ToolNameMap
{
    public const int MaxLength = 64;

    public static readonly ToolNameMap Empty = new();

    private readonly Dictionary<string, string> _originals = new(StringComparer.Ordinal);

    public int Count => _originals.Count;

    public static string ShortenName(string name)
    {
        if (name.Length <= MaxLength)
        {
            return name;
        }

        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(name));
        return string.Concat(name.AsSpan(0, MaxLength - 9), "_", Convert.ToHexStringLower(hash.AsSpan(0, 4)));
    }

    /// <summary>Returns the name to send upstream and remembers how to restore it.</summary>
    public string Shorten(string name)
    {
        var shortName = ShortenName(name);
        if (!ReferenceEquals(shortName, name))
        {
            _originals[shortName] = name;
        }

        return shortName;
    }

    public string Restore(string name) => _originals.TryGetValue(name, out var original) ? original : name;
}
