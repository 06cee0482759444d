using System.Globalization;
using System.Text;
using Switchboard.Routing;

namespace Switchboard.Cli;

/// <summary>
/// <c>switchboard top</c>: the dashboard's Pools page in the terminal. Reads a running gateway's <c>/router/status</c>
/// (as <c>switchboard status</c> does) every interval and redraws; <c>q</c> (or Ctrl+C) quits.
/// </summary>
internal static class TopCommand
{
    private const string ClearScreen = "\u001b[H\u001b[2J";
    private const string HideCursor = "\u001b[?25l";
    private const string ShowCursor = "\u001b[?25h";

    private static readonly string[] Headers = ["DEPLOYMENT", "KEY", "STATE", "INFL", "REQ/MIN", "TOK/MIN", "REQ", "FAIL", "429", "P50", "P95", "TTFT", "LAST ERROR"];

    /// <param name="readKey">The next key pressed, or null when none is waiting (the console, or a test's script).</param>
    public static async Task<int> RunAsync(string url, string? masterKey, TimeSpan interval, TextWriter output, TextWriter errors,
        Func<char?> readKey, Func<int> width, CancellationToken ct)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        await output.WriteAsync(HideCursor);
        try
        {
            while (!ct.IsCancellationRequested)
            {
                string screen;
                try
                {
                    if (await GatewayRequest.SendAsync(client, HttpMethod.Get, url, "/router/status", masterKey, errors, ct) is not { } body)
                    {
                        return 1;
                    }

                    screen = Render(RouterStatusJson.Read(body), url, width());
                }
                catch (HttpRequestException ex)
                {
                    screen = $"switchboard top — {url}\n\nno gateway answering: {ex.Message}\nretrying every {interval.TotalSeconds:0.#} s; q quits\n";
                }

                await output.WriteAsync(ClearScreen + screen);
                await output.FlushAsync(ct);
                var until = DateTime.UtcNow + interval;
                while (DateTime.UtcNow < until)
                {
                    if (readKey() is 'q' or 'Q')
                    {
                        return 0;
                    }

                    await Task.Delay(50, ct);
                }
            }

            return 0;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return 0;
        }
        finally
        {
            await output.WriteAsync(ShowCursor + "\n");
        }
    }

    /// <summary>One screen: a header line, then per model group its queue and one row per deployment; lines cut at <paramref name="width"/>.</summary>
    public static string Render(RouterStatus status, string url, int width)
    {
        ArgumentNullException.ThrowIfNull(status);
        var sb = new StringBuilder();
        sb.Append(Cut(string.Create(CultureInfo.InvariantCulture,
            $"switchboard top — {url}   routing: {status.Strategy}   at {status.At:HH:mm:ss} UTC   q quits"), width)).Append('\n');
        foreach (var g in status.Groups)
        {
            sb.Append('\n').Append(Cut(string.Create(CultureInfo.InvariantCulture, $"{g.Name}   queue: {g.Queued}"), width)).Append('\n');
            var rows = new List<string[]> { Headers };
            rows.AddRange(g.Deployments.Select(d => new[]
            {
                d.Id, d.MaskedKey, State(d),
                N(d.InFlight) + (d.MaxParallelRequests is { } max ? "/" + N(max) : ""),
                N(d.CurrentMinute.Requests) + (d.Rpm is { } rpm ? "/" + N(rpm) : ""),
                N(d.CurrentMinute.TokensIn + d.CurrentMinute.TokensOut) + (d.Tpm is { } tpm ? "/" + N(tpm) : ""),
                N(d.Total.Requests), N(d.Total.Failures), N(d.Total.Status429),
                Ms(d.LatencyP50Ms), Ms(d.LatencyP95Ms), Ms(d.TtftP50Ms), d.LastError ?? "",
            }));
            var widths = new int[Headers.Length];
            foreach (var row in rows)
            {
                for (var i = 0; i < row.Length - 1; i++)
                {
                    widths[i] = Math.Max(widths[i], row[i].Length);
                }
            }

            foreach (var row in rows)
            {
                var line = new StringBuilder();
                for (var i = 0; i < row.Length; i++)
                {
                    line.Append(i == row.Length - 1 ? row[i] : row[i].PadRight(widths[i] + 2));
                }

                sb.Append(Cut(line.ToString().TrimEnd(), width)).Append('\n');
            }
        }

        if (status.Groups.Count == 0)
        {
            sb.Append("\nno model groups configured\n");
        }

        return sb.ToString();
    }

    /// <summary><c>cooling 27s rate_limited</c>, <c>disabled</c>, <c>paced 3s</c> or <c>ok</c>.</summary>
    internal static string State(DeploymentStatus d) =>
        d.Disabled ? "disabled"
        : d.CoolingDown ? string.Create(CultureInfo.InvariantCulture, $"cooling {Math.Ceiling(d.CooldownSecondsLeft ?? 0)}s")
            + (d.CooldownReason is { } reason ? " " + reason : "")
        : d.PacedSecondsLeft is { } paced ? string.Create(CultureInfo.InvariantCulture, $"paced {Math.Ceiling(paced)}s")
        : "ok";

    private static string Cut(string line, int width) =>
        width <= 1 || line.Length <= width ? line : string.Concat(line.AsSpan(0, width - 1), "…");

    private static string N(long n) => n.ToString(CultureInfo.InvariantCulture);

    private static string Ms(double? ms) => ms is { } v ? Math.Round(v).ToString(CultureInfo.InvariantCulture) : "-";
}
