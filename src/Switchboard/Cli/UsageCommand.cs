using System.CommandLine;
using System.CommandLine.Parsing;
using Switchboard.Admission;
using Switchboard.Storage;

namespace Switchboard.Cli;

/// <summary>
/// <c>switchboard usage [--by key|model|deployment] [--since 24h]</c>: requests, failures, tokens and cost per key, model
/// group or deployment over a recent window, highest cost first, summed from the usage records (online: <c>/spend/logs</c>).
/// </summary>
internal static class UsageCommand
{
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromHours(24);

    public static Command Build(TextWriter output, TextWriter errors, TimeProvider time)
    {
        var connection = new CliConnection();
        var by = new Option<string>("--by") { Description = "Group rows by key, model (group) or deployment", DefaultValueFactory = _ => "key" };
        by.AcceptOnlyFromAmong("key", "model", "deployment");
        // Nullable rather than a DefaultValueFactory: help would print a TimeSpan default as 1.00:00:00.
        var since = new Option<TimeSpan?>("--since") { Description = "Window ending now: 30m, 24h, 7d, 1mo (default: 24h)", CustomParser = ParseSince };
        var usage = new Command("usage", "Usage per key, model group or deployment: requests, failures, tokens in/out, cost (highest first).")
        {
            by, since,
        };
        connection.AddTo(usage);
        usage.SetAction((parse, ct) => CliConnection.RunAsync(connection.Read(parse), mayCreateDatabase: false, time, errors,
            backend => RunAsync(backend, parse.GetValue(by)!, parse.GetValue(since) ?? DefaultWindow, time, output, ct), ct));
        return usage;
    }

    public static async Task<int> RunAsync(
        CliBackend backend, string by, TimeSpan since, TimeProvider time, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(output);

        // One fixed end: records still being written do not move the window while we page through it.
        var to = time.GetUtcNow();
        var from = to - since;
        var records = await backend.GetUsageAsync(from, to, cancellationToken);
        await output.WriteLineAsync($"usage by {by}, {CliFormat.TimeLong(from)} to {CliFormat.TimeLong(to)} ({backend.Description})");
        if (records.Count == 0)
        {
            await output.WriteLineAsync("no calls recorded in this window.");
            return 0;
        }

        await output.WriteAsync(Format(Aggregate(records, by), by));
        return 0;
    }

    /// <summary>One row per key / model group / deployment, highest cost first (then most requests, then name).</summary>
    internal static IReadOnlyList<Row> Aggregate(IEnumerable<UsageRecord> records, string by)
    {
        ArgumentNullException.ThrowIfNull(records);
        Func<UsageRecord, string> name = by switch
        {
            "key" => r => r.KeyAlias ?? (r.KeyHash is { } hash ? "token " + CliFormat.ShortToken(hash) : "(master key / open)"),
            "model" => r => r.ModelGroup,
            "deployment" => r => (r.DeploymentId ?? "(none)") + " (" + r.ModelGroup + ")",
            _ => throw new ArgumentOutOfRangeException(nameof(by), by, "key, model or deployment"),
        };

        // Grouped by token id, not alias, so that two keys that had the same alias at different times stay apart.
        Func<UsageRecord, string> group = by == "key" ? r => r.KeyHash ?? "" : name;
        return [.. records
            .GroupBy(group, StringComparer.Ordinal)
            .Select(g => new Row(
                name(g.First()), g.LongCount(), g.LongCount(IsFailure), g.Sum(r => r.PromptTokens), g.Sum(r => r.CompletionTokens),
                g.Sum(r => r.Cost)))
            .OrderByDescending(r => r.Cost)
            .ThenByDescending(r => r.Requests)
            .ThenBy(r => r.Name, StringComparer.Ordinal)];
    }

    internal static string Format(IReadOnlyList<Row> rows, string by)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var table = new TableFormatter(
            new(by.ToUpperInvariant()), new("REQUESTS", AlignRight: true), new("FAILURES", AlignRight: true),
            new("TOKENS IN", AlignRight: true), new("TOKENS OUT", AlignRight: true), new("COST USD", AlignRight: true));
        foreach (var r in rows)
        {
            table.AddRow(r.Name, CliFormat.Count(r.Requests), CliFormat.Count(r.Failures), CliFormat.Count(r.TokensIn),
                CliFormat.Count(r.TokensOut), CliFormat.Money(r.Cost));
        }

        if (rows.Count > 1)
        {
            table.AddRow("TOTAL", CliFormat.Count(rows.Sum(r => r.Requests)), CliFormat.Count(rows.Sum(r => r.Failures)),
                CliFormat.Count(rows.Sum(r => r.TokensIn)), CliFormat.Count(rows.Sum(r => r.TokensOut)), CliFormat.Money(rows.Sum(r => r.Cost)));
        }

        return table.Format();
    }

    /// <summary>A failed call: an error class, or a status outside 2xx/3xx (as <c>/spend/logs</c> counts them).</summary>
    internal static bool IsFailure(UsageRecord record) =>
        record.ErrorClass is not null || record.HttpStatus is < 200 or >= 400;

    private static TimeSpan? ParseSince(ArgumentResult result)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
        if (DurationText.TryParse(text, out var window))
        {
            return window;
        }

        result.AddError($"--since takes a duration like 30m, 24h, 7d, 1mo, not '{text}'.");
        return null;
    }

    internal sealed record Row(string Name, long Requests, long Failures, long TokensIn, long TokensOut, double Cost);
}
