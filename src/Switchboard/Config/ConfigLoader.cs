// SHIM: replaced by the config branch.
namespace Switchboard.Config;

internal sealed record ConfigError(string Path, string Message)
{
    public override string ToString() => $"{Path}: {Message}";
}

internal sealed record ConfigLoadResult(GatewayConfig? Config, IReadOnlyList<ConfigError> Errors, IReadOnlyList<string> Warnings)
{
    public bool IsValid => Config is not null && Errors.Count == 0;
}

internal static class ConfigLoader
{
    public static ConfigLoadResult LoadFile(string path, Func<string, string?>? getEnv = null) => throw new NotImplementedException(path + getEnv);
}

internal static class ConfigSummary
{
    public static string Describe(GatewayConfig config) => config.ToString();
}
