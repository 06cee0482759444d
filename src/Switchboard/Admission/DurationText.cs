using System.Globalization;

namespace Switchboard.Admission;

/// <summary>LiteLLM's duration text (<c>budget_duration</c>, key <c>duration</c>): <c>30s</c>, <c>10m</c>, <c>1h</c>, <c>30d</c>, <c>2w</c>, <c>1mo</c>.</summary>
internal static class DurationText
{
    /// <summary>Parses a positive duration; <c>mo</c> counts as 30 days (one fixed length keeps resets predictable).</summary>
    public static bool TryParse(string? text, out TimeSpan duration)
    {
        duration = default;
        text = text?.Trim().ToLowerInvariant();
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        var digits = 0;
        while (digits < text.Length && char.IsAsciiDigit(text[digits]))
        {
            digits++;
        }

        if (digits == 0 || !long.TryParse(text.AsSpan(0, digits), NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n <= 0 ||
            n > 100_000)
        {
            return false;
        }

        TimeSpan? unit = text[digits..] switch
        {
            "s" => TimeSpan.FromSeconds(1),
            "m" => TimeSpan.FromMinutes(1),
            "h" => TimeSpan.FromHours(1),
            "d" => TimeSpan.FromDays(1),
            "w" => TimeSpan.FromDays(7),
            "mo" => TimeSpan.FromDays(30),
            _ => null,
        };
        if (unit is null)
        {
            return false;
        }

        duration = unit.Value * n;
        return true;
    }
}
