using System.Globalization;
using System.Text;

namespace Switchboard.Routing;

/// <summary>The text table of <c>switchboard status</c>: one row per deployment.</summary>
internal static class RouterStatusTable
{
    private static readonly string[] Headers =
        ["GROUP", "DEPLOYMENT", "KEY", "STATE", "INFL", "REQ", "OK", "FAIL", "429", "REQ/M", "LIMIT", "TOK IN", "TOK OUT", "P50 MS", "P95 MS", "TTFT MS", "LAST ERROR"];

    public static string Format(RouterStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        var rows = new List<string[]> { Headers };
        foreach (var g in status.Groups)
        {
            foreach (var d in g.Deployments)
            {
                rows.Add(
                [
                    g.Name, d.Id, d.MaskedKey, State(d),
                    N(d.InFlight) + (d.MaxParallelRequests is { } max ? "/" + N(max) : "") + (d.LearnedConcurrency is { } c ? " ~" + N(c) : ""),
                    N(d.Total.Requests), N(d.Total.Successes), N(d.Total.Failures), N(d.Total.Status429), N(d.CurrentMinute.Requests), Limit(d),
                    N(d.Total.TokensIn), N(d.Total.TokensOut), Ms(d.LatencyP50Ms), Ms(d.LatencyP95Ms), Ms(d.TtftP50Ms),
                    Shorten(d.LastError ?? "", 60),
                ]);
            }
        }

        var widths = new int[Headers.Length];
        foreach (var row in rows)
        {
            for (var i = 0; i < row.Length; i++)
            {
                widths[i] = Math.Max(widths[i], row[i].Length);
            }
        }

        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"routing: {status.Strategy}   at: {status.At:u}").Append('\n');
        foreach (var row in rows)
        {
            for (var i = 0; i < row.Length; i++)
            {
                sb.Append(i == row.Length - 1 ? row[i] : row[i].PadRight(widths[i] + 2));
            }

            sb.Append('\n');
        }

        foreach (var g in status.Groups.Where(g => g.Queued > 0))
        {
            sb.Append(CultureInfo.InvariantCulture, $"{g.Name}: {g.Queued} calls waiting for a free slot").Append('\n');
        }

        return sb.ToString();
    }

    private static string State(DeploymentStatus d) =>
        d.Disabled ? "disabled"
        : d.CoolingDown ? string.Create(CultureInfo.InvariantCulture, $"cooling {Math.Ceiling(d.CooldownSecondsLeft ?? 0)}s")
        : d.PacedSecondsLeft is { } paced ? string.Create(CultureInfo.InvariantCulture, $"paced {Math.Ceiling(paced)}s")
        : "ok";

    /// <summary>Learned calls per window, e.g. <c>7/10 per 2.1s</c> (used/allowed; <c>=</c> when the headers said so, <c>~</c> when estimated).</summary>
    private static string Limit(DeploymentStatus d) =>
        d.LearnedRequests is not { } limit ? "-"
        : string.Create(CultureInfo.InvariantCulture,
            $"{d.WindowUsed}/{(d.LearnedExact ? "=" : "~")}{limit} per {(d.LearnedWindowSeconds is { } s ? Math.Round(s, 1).ToString(CultureInfo.InvariantCulture) + "s" : "60s?")}");

    private static string N(long n) => n.ToString(CultureInfo.InvariantCulture);

    private static string Ms(double? ms) => ms is { } v ? Math.Round(v).ToString(CultureInfo.InvariantCulture) : "-";

    private static string Shorten(string s, int max) => s.Length <= max ? s : string.Concat(s.AsSpan(0, max - 1), "…");
}
