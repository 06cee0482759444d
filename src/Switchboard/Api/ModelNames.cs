using Switchboard.Config;

namespace Switchboard.Api;

/// <summary>
/// The model names a caller is shown: the lists of <c>GET /v1/models</c> (OpenAI and Gemini), the names
/// <c>GET /v1/models/{model}</c> retrieves (those of the list) and the sentence of an unknown-model error, all limited to
/// the models the caller's key may use.
/// </summary>
internal static class ModelNames
{
    /// <summary>How many names an unknown-model error spells out before "and N more".</summary>
    public const int MaxNamed = 30;

    /// <summary>The names <c>/v1/models</c> lists: the model groups without wildcards, then the aliases not hidden, each once.</summary>
    public static IEnumerable<string> Listed(GatewayConfig config, IReadOnlyList<string> allowed)
    {
        ArgumentNullException.ThrowIfNull(config);
        var router = config.Router;
        return config.ModelGroups.Where(name => !name.Contains('*', StringComparison.Ordinal))
            .Concat(router.ModelGroupAlias.Keys.Where(alias => !router.HiddenModelGroupAliases.Contains(alias)))
            .Distinct(StringComparer.Ordinal)
            .Where(name => Admission.AdmissionController.IsModelAllowed(allowed, name));
    }

    /// <summary>
    /// The sentence an unknown-model error ends with: the model groups (wildcard patterns included, since they say what
    /// a name may look like) and the aliases that <c>/v1/models</c> lists, at most <see cref="MaxNamed"/> names.
    /// </summary>
    public static string Known(GatewayConfig config, IReadOnlyList<string> allowed)
    {
        ArgumentNullException.ThrowIfNull(config);
        var router = config.Router;
        var groups = config.ModelGroups.Where(name => Admission.AdmissionController.IsModelAllowed(allowed, name)).ToList();
        var aliases = router.ModelGroupAlias.Keys
            .Where(alias => !router.HiddenModelGroupAliases.Contains(alias) && !groups.Contains(alias, StringComparer.Ordinal))
            .Where(alias => Admission.AdmissionController.IsModelAllowed(allowed, alias)).ToList();
        if (groups.Count == 0 && aliases.Count == 0)
        {
            return "This key may use none of the configured models.";
        }

        var room = MaxNamed;
        var parts = new List<string>(2);
        if (groups.Count > 0)
        {
            parts.Add("model groups: " + Names(groups, ref room));
        }

        if (aliases.Count > 0)
        {
            parts.Add("aliases: " + Names(aliases, ref room));
        }

        return "Known " + string.Join("; ", parts) + ".";
    }

    private static string Names(List<string> names, ref int room)
    {
        var shown = Math.Min(names.Count, Math.Max(room, 0));
        room -= shown;
        var list = string.Join(", ", names.Take(shown));
        var rest = names.Count - shown;
        return rest == 0 ? list : shown == 0 ? $"{rest} more" : $"{list} and {rest} more";
    }
}
