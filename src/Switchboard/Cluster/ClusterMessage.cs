using System.Globalization;
using Switchboard.Upstream;

namespace Switchboard.Cluster;

/// <summary>
/// One announcement on <see cref="RedisLink.Channel"/>: fields separated by U+001F (never in an id, a hash or a reason
/// line), the kind first, then the sending instance. Small text: these are rare (a cooldown, a revoke, a freed slot).
/// </summary>
internal readonly record struct ClusterMessage(char Kind, string Instance, string Subject, long UntilMs = 0, FailureKind FailureKind = default, string Reason = "")
{
    public const char Cooldown = 'C';
    public const char Disabled = 'D';
    public const char Enabled = 'E';
    public const char SlotFreed = 'F';
    public const char KeyChanged = 'K';
    public const char ModelsChanged = 'M';

    private const char Separator = '\u001f';

    public string Encode() => Kind switch
    {
        Cooldown => string.Create(CultureInfo.InvariantCulture,
            $"{Kind}{Separator}{Instance}{Separator}{Subject}{Separator}{UntilMs}{Separator}{(int)FailureKind}{Separator}{Clean(Reason)}"),
        Disabled => $"{Kind}{Separator}{Instance}{Separator}{Subject}{Separator}{Clean(Reason)}",
        _ => $"{Kind}{Separator}{Instance}{Separator}{Subject}",
    };

    public static ClusterMessage Decode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Split(Separator);
        if (parts.Length < 3 || parts[0].Length != 1)
        {
            throw new FormatException("not a cluster message");
        }

        var kind = parts[0][0];
        return kind switch
        {
            Cooldown when parts.Length >= 6 => new(kind, parts[1], parts[2],
                long.Parse(parts[3], NumberStyles.Integer, CultureInfo.InvariantCulture),
                (FailureKind)int.Parse(parts[4], NumberStyles.Integer, CultureInfo.InvariantCulture), parts[5]),
            Disabled when parts.Length >= 4 => new(kind, parts[1], parts[2], Reason: parts[3]),
            Enabled or SlotFreed or KeyChanged or ModelsChanged => new(kind, parts[1], parts[2]),
            _ => throw new FormatException("unknown cluster message kind"),
        };
    }

    /// <summary>The value kept in Redis's cooldown hash: end, kind, reason.</summary>
    public static string CooldownValue(long untilMs, FailureKind kind, string reason) =>
        string.Create(CultureInfo.InvariantCulture, $"{untilMs}{Separator}{(int)kind}{Separator}{Clean(reason)}");

    public static (long UntilMs, FailureKind Kind, string Reason) ParseCooldownValue(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var parts = value.Split(Separator, 3);
        return parts.Length == 3
            ? (long.Parse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture),
                (FailureKind)int.Parse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture), parts[2])
            : throw new FormatException("not a cooldown value");
    }

    private static string Clean(string reason) => reason.Replace(Separator, ' ');
}
