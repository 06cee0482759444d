using System.Text.Json;

namespace Switchboard.Cli;

/// <summary>What <c>keys create</c> asks for, as LiteLLM's <c>/key/generate</c> body (unset fields are left out).</summary>
internal sealed record CliKeySpec
{
    public string? Alias { get; init; }
    public IReadOnlyList<string> Models { get; init; } = [];
    public double? MaxBudget { get; init; }
    public string? BudgetDuration { get; init; }
    public int? Rpm { get; init; }
    public int? Tpm { get; init; }
    public int? MaxParallel { get; init; }
    public string? Duration { get; init; }

    public byte[] ToGenerateBody()
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            if (Alias is not null)
            {
                w.WriteString("key_alias", Alias);
            }

            if (Models.Count > 0)
            {
                w.WriteStartArray("models");
                foreach (var model in Models)
                {
                    w.WriteStringValue(model);
                }

                w.WriteEndArray();
            }

            if (MaxBudget is { } budget)
            {
                w.WriteNumber("max_budget", budget);
            }

            if (BudgetDuration is not null)
            {
                w.WriteString("budget_duration", BudgetDuration);
            }

            if (Rpm is { } rpm)
            {
                w.WriteNumber("rpm_limit", rpm);
            }

            if (Tpm is { } tpm)
            {
                w.WriteNumber("tpm_limit", tpm);
            }

            if (MaxParallel is { } parallel)
            {
                w.WriteNumber("max_parallel_requests", parallel);
            }

            if (Duration is not null)
            {
                w.WriteString("duration", Duration);
            }

            w.WriteEndObject();
        }

        return stream.ToArray();
    }
}
