namespace Switchboard.Cli;

/// <summary>
/// How <c>keys</c> and <c>usage</c> reach their data. With <see cref="ConfigPath"/> or <see cref="DatabaseUrl"/> they open the
/// database directly; otherwise they call the gateway at <see cref="Url"/> with <see cref="MasterKey"/>.
/// </summary>
internal sealed record CliSettings(string Url, string? MasterKey, string? ConfigPath, string? DatabaseUrl)
{
    public bool Offline => ConfigPath is not null || DatabaseUrl is not null;

    /// <summary>What <c>ToString()</c> prints: the master key masked, the database password hidden.</summary>
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append(System.Globalization.CultureInfo.InvariantCulture,
            $"Url = {Url}, MasterKey = {(MasterKey is null ? null : Observability.KeyMask.Mask(MasterKey))}, ConfigPath = {ConfigPath}, ");
        builder.Append($"DatabaseUrl = {Observability.SecretRedactor.MaskUrlPassword(DatabaseUrl)}");
        return true;
    }
}
