using Switchboard.Config;

namespace Switchboard.Cli;

internal static class CheckCommand
{
    public static int Run(string? configFlag, TextWriter output, TextWriter errors)
    {
        var path = SwitchboardCli.ResolveConfigPath(configFlag);
        var result = LoadForCli(path, errors);
        if (result is null)
        {
            return 2;
        }

        output.WriteLine($"{path}: OK");
        output.Write(ConfigSummary.Describe(result));
        return 0;
    }

    /// <summary>Loads a config, printing warnings and every error; null (exit code 2) when it is not usable.</summary>
    internal static GatewayConfig? LoadForCli(string path, TextWriter errors)
    {
        if (!File.Exists(path))
        {
            errors.WriteLine($"error: config file '{path}' not found. Pass --config FILE, set LITELLM_CONFIG, or start from examples/demo-config.yaml.");
            return null;
        }

        var result = ConfigLoader.LoadFile(path);
        foreach (var warning in result.Warnings)
        {
            errors.WriteLine($"warning: {warning}");
        }

        if (!result.IsValid)
        {
            foreach (var error in result.Errors)
            {
                errors.WriteLine($"error: {error}");
            }

            errors.WriteLine($"{path}: {result.Errors.Count} error(s)");
            return null;
        }

        return result.Config;
    }
}
