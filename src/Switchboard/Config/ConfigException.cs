namespace Switchboard.Config;

/// <summary>Thrown by <see cref="ConfigLoader.LoadOrThrow"/>; carries every error so the CLI can print them all.</summary>
internal sealed class ConfigException : Exception
{
    public ConfigException()
        : this("Invalid config.")
    {
    }

    public ConfigException(string message)
        : base(message)
    {
    }

    public ConfigException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ConfigException(string? sourcePath, IReadOnlyList<ConfigError> errors)
        : base(Format(sourcePath, errors))
    {
        Errors = errors;
    }

    public IReadOnlyList<ConfigError> Errors { get; } = [];

    private static string Format(string? sourcePath, IReadOnlyList<ConfigError> errors)
    {
        var header = sourcePath is null
            ? $"Invalid config ({errors.Count} error{(errors.Count == 1 ? "" : "s")}):"
            : $"Invalid config '{sourcePath}' ({errors.Count} error{(errors.Count == 1 ? "" : "s")}):";
        return header + string.Concat(errors.Select(e => Environment.NewLine + "  " + e));
    }
}
