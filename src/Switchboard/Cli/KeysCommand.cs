using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Switchboard.Admission;
using Switchboard.Auth;
using Switchboard.Storage;

namespace Switchboard.Cli;

/// <summary>
/// <c>switchboard keys create|list|info|revoke</c>: virtual keys of a running gateway (admin API, master key) or of its
/// database (offline). A raw key is printed once, by <c>create</c>; everything else shows the masked key and the token id.
/// </summary>
internal static class KeysCommand
{
    public static Command Build(TextWriter output, TextWriter errors, TimeProvider time)
    {
        var connection = new CliConnection();
        var keys = new Command("keys", "Manage virtual keys: create, list, info, revoke (online with --url/--master-key, offline with --config).");
        connection.AddTo(keys);

        var alias = new Option<string?>("--alias") { Description = "Key alias (unique); names the key in every other command" };
        var models = new Option<string[]>("--models") { Description = "Allowed model groups, comma-separated (default: all)" };
        var maxBudget = new Option<double?>("--max-budget") { Description = "Budget in USD", CustomParser = ParseMoney };
        var budgetDuration = new Option<string?>("--budget-duration") { Description = "Budget period, e.g. 30d, 1mo (spend resets)" };
        var rpm = new Option<int?>("--rpm") { Description = "Requests per minute" };
        var tpm = new Option<int?>("--tpm") { Description = "Tokens per minute" };
        var maxParallel = new Option<int?>("--max-parallel") { Description = "Requests in flight at once" };
        var duration = new Option<string?>("--duration") { Description = "Lifetime, e.g. 30d (default: never expires)" };
        budgetDuration.Validators.Add(ValidateDuration);
        duration.Validators.Add(ValidateDuration);
        rpm.Validators.Add(ValidateNotNegative);
        tpm.Validators.Add(ValidateNotNegative);
        maxParallel.Validators.Add(ValidateNotNegative);
        var create = new Command("create", "Create a key and print it (the only time it is shown), with its limits and expiry.")
        {
            alias, models, maxBudget, budgetDuration, rpm, tpm, maxParallel, duration,
        };
        create.SetAction((parse, ct) =>
        {
            var spec = new CliKeySpec
            {
                Alias = parse.GetValue(alias),
                Models = SplitModels(parse.GetValue(models)),
                MaxBudget = parse.GetValue(maxBudget),
                BudgetDuration = parse.GetValue(budgetDuration),
                Rpm = parse.GetValue(rpm),
                Tpm = parse.GetValue(tpm),
                MaxParallel = parse.GetValue(maxParallel),
                Duration = parse.GetValue(duration),
            };
            return CliConnection.RunAsync(connection.Read(parse), mayCreateDatabase: true, time, errors,
                backend => CreateAsync(backend, spec, output, ct), ct);
        });
        keys.Subcommands.Add(create);

        var list = new Command("list", "List the keys: alias, masked key, token id, models, spend/budget, limits, expiry.");
        list.SetAction((parse, ct) => CliConnection.RunAsync(connection.Read(parse), mayCreateDatabase: false, time, errors,
            backend => ListAsync(backend, output, ct), ct));
        keys.Subcommands.Add(list);

        var infoKey = new Argument<string>("KEY") { Description = "The key, its token id (or 8+ leading digits of it), or its alias" };
        var info = new Command("info", "Show one key: limits, spend, remaining budget, expiry.") { infoKey };
        info.SetAction((parse, ct) => CliConnection.RunAsync(connection.Read(parse), mayCreateDatabase: false, time, errors,
            backend => InfoAsync(backend, parse.GetValue(infoKey)!, output, ct), ct));
        keys.Subcommands.Add(info);

        var revokeKeys = new Argument<string[]>("KEY") { Description = "Keys, token ids or aliases", Arity = ArgumentArity.OneOrMore };
        var revoke = new Command("revoke", "Delete keys; calls with them are refused from then on.") { revokeKeys };
        revoke.SetAction((parse, ct) => CliConnection.RunAsync(connection.Read(parse), mayCreateDatabase: false, time, errors,
            backend => RevokeAsync(backend, parse.GetValue(revokeKeys)!, output, errors, ct), ct));
        keys.Subcommands.Add(revoke);
        return keys;
    }

    public static async Task<int> CreateAsync(CliBackend backend, CliKeySpec spec, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(output);
        var (raw, key) = await backend.CreateKeyAsync(spec.ToGenerateBody(), cancellationToken);
        await output.WriteLineAsync("key:       " + raw);
        await output.WriteLineAsync("           (shown only now: store it; the gateway keeps only its SHA-256)");
        await output.WriteAsync(Describe(key, withSpend: false));
        return 0;
    }

    public static async Task<int> ListAsync(CliBackend backend, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(output);
        var keys = await backend.ListKeysAsync(cancellationToken);
        if (keys.Count == 0)
        {
            await output.WriteLineAsync($"no keys ({backend.Description}); create one with: switchboard keys create --alias NAME");
            return 0;
        }

        await output.WriteAsync(FormatList(keys));
        return 0;
    }

    public static async Task<int> InfoAsync(CliBackend backend, string keyOrAlias, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(output);
        var key = await backend.FindKeyAsync(keyOrAlias, cancellationToken) ?? throw Unknown(keyOrAlias);
        await output.WriteAsync(Describe(key, withSpend: true));
        return 0;
    }

    public static async Task<int> RevokeAsync(
        CliBackend backend, IReadOnlyList<string> keysOrAliases, TextWriter output, TextWriter errors, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(keysOrAliases);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(errors);
        var found = new Dictionary<string, VirtualKeyRecord>(StringComparer.Ordinal);
        var unknown = 0;
        foreach (var name in keysOrAliases)
        {
            if (await backend.FindKeyAsync(name, cancellationToken) is { } key)
            {
                found.TryAdd(key.KeyHash, key);
            }
            else
            {
                unknown++;
                await errors.WriteLineAsync("error: " + Unknown(name).Message);
            }
        }

        var deleted = found.Count == 0 ? [] : await backend.DeleteKeysAsync([.. found.Keys], cancellationToken);
        foreach (var hash in deleted)
        {
            var key = found[hash];
            await output.WriteLineAsync($"revoked {key.KeyAlias ?? "(no alias)"}  {key.KeyPreview}  token {CliFormat.ShortToken(hash)}");
        }

        if (deleted.Count > 0 && !backend.IsLive)
        {
            await output.WriteLineAsync("note: a running gateway may still accept a revoked key for up to a minute (its key cache); " +
                "revoke through the gateway (--url) to refuse it at once.");
        }

        // Found a moment ago but gone now: someone else revoked it; the outcome the caller wanted, so not an error.
        return unknown > 0 ? 1 : 0;
    }

    internal static string FormatList(IReadOnlyList<VirtualKeyRecord> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var table = new TableFormatter(
            new("ALIAS"), new("KEY"), new("TOKEN"), new("MODELS"), new("SPEND/BUDGET", AlignRight: true),
            new("RPM/TPM", AlignRight: true), new("PARALLEL", AlignRight: true), new("BLOCKED"), new("EXPIRES (UTC)"), new("CREATED (UTC)"));
        foreach (var k in keys)
        {
            table.AddRow(
                k.KeyAlias ?? "-", k.KeyPreview, CliFormat.ShortToken(k.KeyHash), CliFormat.Models(k.Models),
                CliFormat.Money(k.Spend) + "/" + (k.MaxBudget is { } max ? CliFormat.Money(max) : "-"),
                CliFormat.Limit(k.RpmLimit) + "/" + CliFormat.Limit(k.TpmLimit), CliFormat.Limit(k.MaxParallelRequests),
                k.Blocked ? "yes" : "no", CliFormat.Time(k.ExpiresAt), CliFormat.Time(k.CreatedAt));
        }

        return table.Format();
    }

    /// <summary>One key as <c>name: value</c> lines; never the raw key (the store does not have it).</summary>
    internal static string Describe(VirtualKeyRecord key, bool withSpend)
    {
        ArgumentNullException.ThrowIfNull(key);
        var lines = new List<(string Name, string Value)>
        {
            ("alias", key.KeyAlias ?? "-"),
            ("masked", key.KeyPreview),
            ("token", key.KeyHash),
            ("models", CliFormat.Models(key.Models)),
        };
        var budget = key.MaxBudget is { } max
            ? CliFormat.Money(max) + " USD" + (key.BudgetDuration is { } period ? " every " + period : "")
            : "none";
        if (withSpend)
        {
            lines.Add(("spend", CliFormat.Money(key.Spend) + " USD"));
            budget += key.MaxBudget is { } m ? $" ({CliFormat.Money(Math.Max(0, m - key.Spend))} left)" : "";
        }

        lines.Add(("budget", budget));
        if (key.BudgetResetAt is { } reset)
        {
            lines.Add(("resets", CliFormat.TimeLong(reset)));
        }

        lines.Add(("rpm", CliFormat.Limit(key.RpmLimit)));
        lines.Add(("tpm", CliFormat.Limit(key.TpmLimit)));
        lines.Add(("parallel", CliFormat.Limit(key.MaxParallelRequests)));
        lines.Add(("expires", CliFormat.TimeLong(key.ExpiresAt)));
        lines.Add(("blocked", key.Blocked ? "yes" : "no"));
        lines.Add(("created", CliFormat.TimeLong(key.CreatedAt)));
        return string.Concat(lines.Select(l => (l.Name + ":").PadRight(11) + l.Value + "\n"));
    }

    internal static IReadOnlyList<string> SplitModels(string[]? values) =>
        values is null ? [] : [.. values.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).Distinct(StringComparer.Ordinal)];

    /// <summary>Never echoes a raw key, even a wrong one.</summary>
    private static CliException Unknown(string keyOrAlias) =>
        new($"no key '{(keyOrAlias.StartsWith("sk-", StringComparison.Ordinal) ? KeyHasher.Mask(keyOrAlias) : keyOrAlias)}'.");

    private static double? ParseMoney(ArgumentResult result)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value >= 0 && double.IsFinite(value))
        {
            return value;
        }

        result.AddError($"--max-budget takes a non-negative number of USD like 10 or 2.5, not '{text}'.");
        return null;
    }

    private static void ValidateDuration(OptionResult result)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
        if (!DurationText.TryParse(text, out _))
        {
            result.AddError($"{result.Option.Name} takes a duration like 30s, 10m, 24h, 30d, 2w, 1mo, not '{text}'.");
        }
    }

    private static void ValidateNotNegative(OptionResult result)
    {
        if (result.GetValueOrDefault<int?>() is < 0)
        {
            result.AddError($"{result.Option.Name} must not be negative.");
        }
    }
}
