using YamlDotNet.RepresentationModel;

namespace Switchboard.Config;

/// <summary>
/// One pass over a parsed YAML document: reads every section, collects every error and warning.
/// Built on YamlDotNet's representation model because its reflection deserializer does not survive AOT.
/// </summary>
internal sealed partial class ConfigParser
{
    private const string EnvPrefix = "os.environ/";

    private readonly Func<string, string?> _getEnv;
    private readonly Dictionary<string, string> _fileEnv = new(StringComparer.Ordinal);
    private readonly List<ConfigError> _errors = [];
    private readonly List<(int Line, string Text)> _warnings = [];
    private readonly HashSet<string> _warningTexts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, RepeatedWarning> _repeatedWarnings = new(StringComparer.Ordinal);

    private ConfigParser(Func<string, string?> getEnv) => _getEnv = getEnv;

    public static ConfigLoadResult Parse(YamlNode? root, string? sourcePath, Func<string, string?> getEnv)
    {
        var parser = new ConfigParser(getEnv);
        var config = parser.ParseRoot(root, sourcePath);
        return parser.Result(config);
    }

    private ConfigLoadResult Result(GatewayConfig? config)
    {
        foreach (var warning in _repeatedWarnings.Values)
        {
            var more = warning.Count > 1 ? $" (and {warning.Count - 1} more like it)" : "";
            _warnings.Add((warning.Line, $"{warning.FirstPath}: {warning.Message}{more}"));
        }

        // Stable sort by line: problems read in file order whatever order the sections were checked in.
        var errors = _errors.OrderBy(e => e.Line ?? int.MaxValue).ToList();
        var warnings = _warnings.OrderBy(w => w.Line).Select(w => w.Text).ToList();
        return new ConfigLoadResult(errors.Count == 0 ? config : null, errors, warnings);
    }

    private void Error(string path, YamlNode? node, string message) =>
        _errors.Add(new ConfigError(path, message, LineOf(node)));

    private void Warn(string path, YamlNode? node, string message)
    {
        var text = $"{path}: {message}";
        if (_warningTexts.Add(text))
        {
            _warnings.Add((LineOf(node) ?? int.MaxValue, text));
        }
    }

    // Once per key: the same stray key or value in 20 model_list entries is one warning, not 20.
    private void WarnOnce(string path, YamlNode? node, string message)
    {
        var shape = IndexPattern().Replace(path, "[]") + "\0" + message;
        if (_repeatedWarnings.TryGetValue(shape, out var seen))
        {
            seen.Count++;
            return;
        }

        _repeatedWarnings[shape] = new RepeatedWarning(path, LineOf(node) ?? int.MaxValue, message);
    }

    private void Ignore(string path, YamlNode node, bool unsupported) =>
        WarnOnce(path, node, unsupported ? "not supported by Switchboard, ignored" : "unknown key, ignored");

    private void Unknown(string path, YamlNode node) => Ignore(path, node, unsupported: false);

    private void Unsupported(string path, YamlNode node) => Ignore(path, node, unsupported: true);

    private static int? LineOf(YamlNode? node) => node is null || node.Start.Line <= 0 ? null : (int)node.Start.Line;

    private static string Child(string path, string key) =>
        key.AsSpan().IndexOfAny(". []\"") >= 0 ? $"{path}[\"{key}\"]" : path.Length == 0 ? key : $"{path}.{key}";

    private static string Item(string path, int index) => $"{path}[{index}]";

    [System.Text.RegularExpressions.GeneratedRegex(@"\[\d+\]")]
    private static partial System.Text.RegularExpressions.Regex IndexPattern();

    private sealed class RepeatedWarning(string firstPath, int line, string message)
    {
        public string FirstPath { get; } = firstPath;
        public int Line { get; } = line;
        public string Message { get; } = message;
        public int Count { get; set; } = 1;
    }
}
