using System.Diagnostics.CodeAnalysis;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Switchboard.Config;

/// <summary>
/// Reads a LiteLLM proxy config (<c>litellm-config.yaml</c>) into a validated <see cref="GatewayConfig"/>.
/// Every problem is reported with its path; nothing stops at the first error.
/// </summary>
internal static class ConfigLoader
{
    public static ConfigLoadResult LoadFile(string path, Func<string, string?>? getEnv = null) =>
        TryReadText(path, out var yaml, out var error) ? LoadYaml(yaml, path, getEnv) : Failed(error);

    /// <summary>The file's text, or the error that says why it cannot be read.</summary>
    public static bool TryReadText(string path, out string text, [NotNullWhen(false)] out ConfigError? error)
    {
        try
        {
            text = File.ReadAllText(path);
            error = null;
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            text = "";
            error = new ConfigError("", $"cannot read config file '{path}': {e.Message}");
            return false;
        }
    }

    public static ConfigLoadResult LoadYaml(string yaml, string? sourcePath, Func<string, string?>? getEnv = null)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            var line = (int)e.Start.Line;
            return Failed(new ConfigError($"line {line}, column {e.Start.Column}", SyntaxMessage(e), line));
        }

        var result = ConfigParser.Parse(stream.Documents.FirstOrDefault()?.RootNode, sourcePath, getEnv ?? Environment.GetEnvironmentVariable);
        if (sourcePath is not null && result.Config is { } config)
        {
            result = result with { Config = config with { SourceText = yaml } };
        }

        return stream.Documents.Count > 1
            ? result with { Warnings = [.. result.Warnings, $"the file holds {stream.Documents.Count} YAML documents; only the first is read"] }
            : result;
    }

    /// <summary>
    /// One deployment as JSON (<c>{"model_name", "litellm_params", "model_info"}</c>, as LiteLLM's <c>/model/new</c> takes it),
    /// validated as a <c>model_list</c> entry: JSON is YAML, so the file's parser checks it with the same rules and messages.
    /// </summary>
    public static (DeploymentConfig? Deployment, IReadOnlyList<ConfigError> Errors) LoadDeployment(
        string json, int index, string path, Func<string, string?>? getEnv = null)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(json));
        }
        catch (YamlException e)
        {
            return (null, [new ConfigError(path, SyntaxMessage(e))]);
        }

        return stream.Documents.FirstOrDefault()?.RootNode is { } root
            ? ConfigParser.ParseOne(root, index, path, getEnv ?? Environment.GetEnvironmentVariable)
            : (null, [new ConfigError(path, "is empty")]);
    }

    /// <summary>For the CLI: the config, or a <see cref="ConfigException"/> carrying every error.</summary>
    public static GatewayConfig LoadOrThrow(string path, Func<string, string?>? getEnv = null)
    {
        var result = LoadFile(path, getEnv);
        return result.IsValid ? result.Config! : throw new ConfigException(path, result.Errors);
    }

    /// <summary>A result refused with one error (a file that cannot be read, a YAML syntax error).</summary>
    public static ConfigLoadResult Failed(ConfigError error) => new(null, [error], []);

    // YamlException's Message repeats the marks ("(Line: 3, Col: 5, Idx: 20) - (...): did not find ...");
    // the path already says where, so keep only the reason.
    private static string SyntaxMessage(YamlException e)
    {
        var message = e.InnerException is YamlException inner ? SyntaxMessage(inner) : e.Message;
        var cut = message.IndexOf("): ", StringComparison.Ordinal);
        return cut >= 0 && message.StartsWith('(') ? message[(cut + 3)..] : message;
    }
}
