namespace Switchboard.Config;

/// <summary>One problem in a config file: where (<c>model_list[1].litellm_params.model</c>) and what.</summary>
/// <param name="Path">The key path, or <c>line L, column C</c> for a YAML syntax error, or empty for a file-level problem.</param>
/// <param name="Line">1-based line of the offending node when known, so the CLI can point at it.</param>
internal sealed record ConfigError(string Path, string Message, int? Line = null)
{
    public override string ToString() => Path.Length == 0 ? Message : $"{Path}: {Message}";
}
