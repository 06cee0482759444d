using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Switchboard.Config;

// Scalars: strings with os.environ/ resolution, numbers (also when quoted), durations, booleans.
internal sealed partial class ConfigParser
{
    // A year: anything longer is a typo, and TimeSpan would overflow long before 1e20 seconds.
    private const double MaxSeconds = 365 * 24 * 3600;

    private static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: ScalarStyle.Plain or ScalarStyle.Any } s
        && s.Value is null or "" or "~" or "null" or "Null" or "NULL";

    /// <summary>The entries of a mapping, <c>&lt;&lt;</c> merge keys applied; a YAML null reads as an empty mapping.</summary>
    private List<(string Key, YamlNode Value, string Path)>? Entries(YamlNode node, string path)
    {
        if (IsNull(node))
        {
            return [];
        }

        if (node is not YamlMappingNode map)
        {
            Error(path, node, $"expected a mapping (key: value lines), got {Describe(node)}");
            return null;
        }

        var entries = new List<(string Key, YamlNode Value, string Path)>();
        var merged = new List<YamlMappingNode>();
        foreach (var (keyNode, value) in map.Children)
        {
            if (keyNode is not YamlScalarNode { Value: { } key })
            {
                Error(path, keyNode, "keys must be plain names");
                continue;
            }

            if (key == "<<")
            {
                merged.AddRange(value is YamlSequenceNode seq ? seq.Children.OfType<YamlMappingNode>() : value is YamlMappingNode m ? [m] : []);
                continue;
            }

            entries.Add((key, value, Child(path, key)));
        }

        foreach (var source in merged)
        {
            foreach (var (keyNode, value) in source.Children)
            {
                if (keyNode is YamlScalarNode { Value: { } key } && key != "<<" && !entries.Exists(e => e.Key == key))
                {
                    entries.Add((key, value, Child(path, key)));
                }
            }
        }

        return entries;
    }

    /// <summary>Reads a string; false when an error was reported. A YAML null gives true and null.</summary>
    private bool TryString(YamlNode node, string path, out string? value)
    {
        value = null;
        if (IsNull(node))
        {
            return true;
        }

        if (node is not YamlScalarNode scalar)
        {
            Error(path, node, $"expected a single value, got {Describe(node)}");
            return false;
        }

        var text = scalar.Value ?? "";
        if (!text.StartsWith(EnvPrefix, StringComparison.Ordinal))
        {
            value = text;
            return true;
        }

        var name = text[EnvPrefix.Length..].Trim();
        if (name.Length == 0)
        {
            Error(path, node, "os.environ/ needs a variable name (os.environ/NAME)");
            return false;
        }

        value = _fileEnv.TryGetValue(name, out var fromFile) ? fromFile : _getEnv(name);
        if (value is null)
        {
            Error(path, node, $"environment variable '{name}' is not set (referenced as os.environ/{name})");
            return false;
        }

        if (value.Length == 0)
        {
            Error(path, node, $"environment variable '{name}' is set but empty (referenced as os.environ/{name})");
            value = null;
            return false;
        }

        return true;
    }

    private string? String(YamlNode node, string path) => TryString(node, path, out var value) ? value : null;

    /// <summary>A required non-empty string; reports "required" unless a nested error was already reported.</summary>
    private string? RequiredString(YamlNode? node, string path, YamlNode parent)
    {
        if (node is null)
        {
            Error(path, parent, "required");
            return null;
        }

        if (!TryString(node, path, out var value))
        {
            return null;
        }

        if (string.IsNullOrWhiteSpace(value))
        {
            Error(path, node, "must not be empty");
            return null;
        }

        return value.Trim();
    }

    private bool? Bool(YamlNode node, string path)
    {
        if (!TryString(node, path, out var text) || text is null)
        {
            return null;
        }

        switch (text.Trim().ToLowerInvariant())
        {
            case "true" or "yes" or "on" or "1":
                return true;
            case "false" or "no" or "off" or "0":
                return false;
            default:
                Error(path, node, $"expected true or false, got '{text}'");
                return null;
        }
    }

    private double? Number(YamlNode node, string path, double min, bool minExclusive)
    {
        if (!TryString(node, path, out var text) || text is null)
        {
            return null;
        }

        if (!double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var number) || !double.IsFinite(number))
        {
            Error(path, node, $"expected a number, got '{text}'");
            return null;
        }

        if (minExclusive ? number <= min : number < min)
        {
            Error(path, node, RangeMessage(min, minExclusive, text));
            return null;
        }

        return number;
    }

    private int? Int(YamlNode node, string path, int min)
    {
        if (!TryString(node, path, out var text) || text is null)
        {
            return null;
        }

        var trimmed = text.Trim();
        var ok = long.TryParse(trimmed, NumberStyles.Integer, CultureInfo.InvariantCulture, out var whole);
        if (!ok && double.TryParse(trimmed, NumberStyles.Float, CultureInfo.InvariantCulture, out var real)
            && double.IsFinite(real) && Math.Abs(real) < 1e18 && real == Math.Floor(real))
        {
            (ok, whole) = (true, (long)real);
        }

        if (!ok)
        {
            Error(path, node, $"expected a whole number, got '{text}'");
            return null;
        }

        if (whole < min)
        {
            Error(path, node, min switch
            {
                0 => $"must be 0 or more, got {text}",
                1 => $"must be greater than 0, got {text}",
                _ => $"must be at least {min}, got {text}",
            });
            return null;
        }

        if (whole > int.MaxValue)
        {
            Error(path, node, $"is too large ({text})");
            return null;
        }

        return (int)whole;
    }

    private int? PositiveInt(YamlNode node, string path) => Int(node, path, 1);

    private int? NonNegativeInt(YamlNode node, string path) => Int(node, path, 0);

    /// <summary>Seconds as an int or a float (LiteLLM's unit for every timeout and cooldown).</summary>
    private TimeSpan? Seconds(YamlNode node, string path, bool allowZero)
    {
        var seconds = Number(node, path, 0, minExclusive: !allowZero);
        if (seconds is null)
        {
            return null;
        }

        if (seconds > MaxSeconds)
        {
            Error(path, node, $"is too long ({seconds.Value.ToString(CultureInfo.InvariantCulture)} s; the unit is seconds)");
            return null;
        }

        return TimeSpan.FromSeconds(seconds.Value);
    }

    private TimeSpan? Milliseconds(YamlNode node, string path) =>
        NonNegativeInt(node, path) is { } ms ? TimeSpan.FromMilliseconds(ms) : null;

    /// <summary>A mapping of names to single values (extra_headers, cache_params); lists of values are joined with commas.</summary>
    private Dictionary<string, string>? StringMap(YamlNode node, string path)
    {
        if (Entries(node, path) is not { } entries)
        {
            return null;
        }

        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value, itemPath) in entries)
        {
            if (value is YamlSequenceNode seq)
            {
                // Redis nodes (sentinel_nodes, redis_startup_nodes) come as [host, port] pairs or {host, port} mappings.
                var items = seq.Children.Select((c, i) => c is YamlScalarNode ? String(c, Item(itemPath, i)) : RedisNode(c, Item(itemPath, i)))
                    .Where(s => s is not null);
                map[key] = string.Join(',', items);
            }
            else if (TryString(value, itemPath, out var text) && text is not null)
            {
                map[key] = text;
            }
        }

        return map;
    }

    /// <summary>
    /// Redis nodes as LiteLLM writes them: a list of <c>"host:port"</c>, of <c>[host, port]</c> (sentinel_nodes) or of
    /// <c>{host, port}</c> (redis_startup_nodes), or one comma-separated string; each comes out as <c>host:port</c>.
    /// </summary>
    private List<string>? RedisNodes(YamlNode node, string path)
    {
        if (node is YamlSequenceNode seq)
        {
            return [.. seq.Children.Select((c, i) => c is YamlScalarNode ? String(c, Item(path, i)) : RedisNode(c, Item(path, i))).OfType<string>()];
        }

        return String(node, path) is { } text ? [.. text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)] : null;
    }

    private string? RedisNode(YamlNode node, string path)
    {
        switch (node)
        {
            case YamlSequenceNode { Children.Count: 2 } pair:
                return String(pair.Children[0], Item(path, 0)) + ":" + String(pair.Children[1], Item(path, 1));
            case YamlMappingNode map:
                string? host = null;
                string? port = null;
                foreach (var (key, value, keyPath) in Entries(map, path) ?? [])
                {
                    if (key == "host")
                    {
                        host = String(value, keyPath);
                    }
                    else if (key == "port")
                    {
                        port = String(value, keyPath);
                    }
                }

                if (host is not null)
                {
                    return port is null ? host : host + ":" + port;
                }

                break;
        }

        Error(path, node, "expected a Redis node: \"host:port\", [host, port] or {host: ..., port: ...}");
        return null;
    }

    private static string RangeMessage(double bound, bool exclusive, string got)
    {
        var b = bound.ToString(CultureInfo.InvariantCulture);
        return exclusive ? $"must be greater than {b}, got {got}" : $"must be {b} or more, got {got}";
    }

    private static string Describe(YamlNode node) => node switch
    {
        YamlMappingNode => "a mapping",
        YamlSequenceNode => "a list",
        YamlScalarNode s => $"'{s.Value}'",
        _ => "something else",
    };
}
