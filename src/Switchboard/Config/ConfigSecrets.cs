using System.Runtime.CompilerServices;
using Switchboard.Observability;

namespace Switchboard.Config;

/// <summary>The secrets a config snapshot holds, and the one redactor that masks them (architecture decision 8).</summary>
internal static class ConfigSecrets
{
    private static readonly ConditionalWeakTable<GatewayConfig, SecretRedactor> ByConfig = [];

    /// <summary>The redactor of a config snapshot, built once per snapshot (a reload makes a new snapshot, hence a new redactor).</summary>
    public static SecretRedactor RedactorFor(GatewayConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return ByConfig.GetValue(config, static c => new SecretRedactor(Of(c)));
    }

    /// <summary>Every secret a config holds: upstream keys, the master key, and the passwords of the database and Redis URLs.</summary>
    public static IEnumerable<string?> Of(GatewayConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        foreach (var deployment in config.ModelList)
        {
            yield return deployment.ApiKey;
        }

        yield return config.General.MasterKey;
        yield return SecretRedactor.UrlPassword(config.General.DatabaseUrl);
        yield return config.Router.RedisPassword;
        yield return SecretRedactor.UrlPassword(config.Router.RedisUrl);
    }
}
