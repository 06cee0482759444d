using System.Globalization;
using System.Text;
using Switchboard.Config;
using Switchboard.Observability;

namespace Switchboard.Cli;

/// <summary>The text <c>switchboard check</c> prints: the pools found and the router's settings, keys masked.</summary>
internal static class ConfigSummary
{
    public static string Describe(GatewayConfig config)
    {
        var text = new StringBuilder();
        if (config.SourcePath is not null)
        {
            text.Append(CultureInfo.InvariantCulture, $"Config: {config.SourcePath}").AppendLine();
        }

        var groups = config.ModelList.GroupBy(d => d.ModelName, StringComparer.Ordinal).ToList();
        text.Append(CultureInfo.InvariantCulture, $"{groups.Count} model group(s), {config.ModelList.Count} deployment(s)").AppendLine();
        foreach (var group in groups)
        {
            var count = group.Count();
            text.AppendLine()
                .Append(CultureInfo.InvariantCulture, $"{group.Key}  ({count} deployment{(count == 1 ? "" : "s")})")
                .AppendLine();
            foreach (var d in group)
            {
                text.Append(CultureInfo.InvariantCulture, $"  - {d.Id}  {d.Provider}/{d.UpstreamModel}  {d.ApiBase}  key {KeyMask.Mask(d.ApiKey)}");
                var limits = Limits(d);
                text.Append(limits.Length == 0 ? "" : "  " + limits).AppendLine();
            }
        }

        var router = config.Router;
        if (router.ModelGroupAlias.Count > 0)
        {
            text.AppendLine().AppendLine("Aliases:");
            foreach (var (alias, target) in router.ModelGroupAlias)
            {
                var hidden = router.HiddenModelGroupAliases.Contains(alias) ? "  (hidden)" : "";
                text.Append(CultureInfo.InvariantCulture, $"  {alias} -> {target}{hidden}").AppendLine();
            }
        }

        text.AppendLine()
            .Append(CultureInfo.InvariantCulture, $"Router: {router.RoutingStrategy}, retries {config.EffectiveNumRetries}, ")
            .Append(CultureInfo.InvariantCulture, $"cooldown {Seconds(router.CooldownTime)} after a 429 or {router.AllowedFails} failures/min, ")
            .Append(CultureInfo.InvariantCulture, $"request timeout {Seconds(config.EffectiveRequestTimeout)}")
            .Append(router.StreamTimeout is { } st ? $", stream timeout {Seconds(st)}" : "")
            .Append(router.WaitForCooldown > TimeSpan.Zero ? $", waits up to {Seconds(router.WaitForCooldown)} for a cooldown" : "")
            .Append(router.SessionAffinity ? ", session affinity" : "")
            .AppendLine();
        AppendFallbacks(text, "Fallbacks", router.Fallbacks);
        AppendFallbacks(text, "Context-window fallbacks", router.ContextWindowFallbacks);
        if (router.RedisHost is not null || router.RedisUrl is not null)
        {
            text.AppendLine("Shared state: Redis");
        }

        if (config.General.MasterKey is { } masterKey)
        {
            text.Append(CultureInfo.InvariantCulture, $"Master key: {KeyMask.Mask(masterKey)}").AppendLine();
        }

        return text.ToString();
    }

    private static string Limits(DeploymentConfig d)
    {
        var parts = new List<string>();
        void Add(string name, object? value)
        {
            if (value is not null)
            {
                parts.Add(string.Create(CultureInfo.InvariantCulture, $"{name} {value}"));
            }
        }

        Add("rpm", d.Rpm);
        Add("tpm", d.Tpm);
        Add("order", d.Order);
        Add("weight", d.Weight);
        Add("max_parallel_requests", d.MaxParallelRequests);
        Add("timeout", d.Timeout is { } t ? Seconds(t) : null);
        Add("cooldown", d.CooldownTime is { } c ? Seconds(c) : null);
        Add("mode", d.ModelInfo.Mode);
        return string.Join(", ", parts);
    }

    private static void AppendFallbacks(StringBuilder text, string title, IReadOnlyList<FallbackRule> rules)
    {
        foreach (var rule in rules)
        {
            text.Append(CultureInfo.InvariantCulture, $"{title}: {rule.ModelGroup} -> {string.Join(" -> ", rule.Fallbacks)}").AppendLine();
        }
    }

    private static string Seconds(TimeSpan span) => span.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + " s";
}
