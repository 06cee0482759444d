namespace Switchboard.Translation.Responses;

/// <summary>
/// Function names as the pivot upstream sees them and as the Responses client knows them. A <c>namespace</c> tool's
/// functions are flattened to <c>{namespace}__{name}</c> (chat completions has no namespaces), and names past OpenAI's
/// 64 characters are shortened like the Anthropic spoke does (<see cref="ToolNameMap"/>); both map back exactly.
/// </summary>
internal sealed class ResponsesToolNames
{
    public const string Separator = "__";

    public static readonly ResponsesToolNames Empty = new();

    private readonly Dictionary<string, (string? Namespace, string Name)> _originals = new(StringComparer.Ordinal);
    private readonly HashSet<string> _custom = new(StringComparer.Ordinal);

    public int Count => _originals.Count + _custom.Count;

    /// <summary>Marks an upstream function as a client <c>custom</c> tool: its calls go back as <c>custom_tool_call</c> items.</summary>
    public void MarkCustom(string upstream) => _custom.Add(upstream);

    /// <summary>True when <paramref name="upstream"/> stands for a client <c>custom</c> (free-form input) tool.</summary>
    public bool IsCustom(string? upstream) => upstream is not null && _custom.Contains(upstream);

    /// <summary>The upstream name of a client function, remembered so that <see cref="Restore"/> maps it back.</summary>
    public string Upstream(string? ns, string name)
    {
        var flat = ns is null ? name : ns + Separator + name;
        var upstream = ToolNameMap.ShortenName(flat);
        if (ns is not null || !ReferenceEquals(upstream, flat))
        {
            _originals[upstream] = (ns, name);
        }

        return upstream;
    }

    /// <summary>The client's namespace (null for a top-level function) and name of an upstream function name.</summary>
    public (string? Namespace, string Name) Restore(string upstream) =>
        _originals.TryGetValue(upstream, out var original) ? original : (null, upstream);
}
