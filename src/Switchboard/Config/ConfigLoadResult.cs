namespace Switchboard.Config;

/// <summary>
/// What <see cref="ConfigLoader"/> found: the config when the file is valid, otherwise every error
/// (one per problem); warnings (unknown or unsupported keys, suspicious values) in both cases.
/// </summary>
internal sealed record ConfigLoadResult(GatewayConfig? Config, IReadOnlyList<ConfigError> Errors, IReadOnlyList<string> Warnings)
{
    public bool IsValid => Config is not null && Errors.Count == 0;
}
