using System.Text.Json;

namespace Switchboard.Routing;

/// <summary>LiteLLM's GET /model/info shape. Keys only masked.</summary>
internal static class ModelInfoJson
{
    /// <param name="isStored">Whether a deployment id came from the database (<c>db_model: true</c>) rather than the config file.</param>
    public static void Write(Utf8JsonWriter writer, Router router, Func<string, bool>? isStored = null)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(router);
        writer.WriteStartObject();
        writer.WriteStartArray("data");
        foreach (var group in router.Groups)
        {
            foreach (var d in group.Deployments)
            {
                var c = d.Config;
                writer.WriteStartObject();
                writer.WriteString("model_name", c.ModelName);
                writer.WriteStartObject("litellm_params");
                writer.WriteString("model", $"{c.Provider}/{c.UpstreamModel}");
                writer.WriteString("api_base", c.ApiBase);
                if (c.ApiKey is { } key)
                {
                    writer.WriteString("api_key", Observability.KeyMask.Mask(key));
                }

                WriteIf(writer, "rpm", c.Rpm);
                WriteIf(writer, "tpm", c.Tpm);
                WriteIf(writer, "order", c.Order);
                WriteIf(writer, "max_parallel_requests", c.MaxParallelRequests);
                if (c.Weight is { } weight)
                {
                    writer.WriteNumber("weight", weight);
                }

                writer.WriteEndObject();
                writer.WriteStartObject("model_info");
                writer.WriteString("id", d.Id);
                writer.WriteBoolean("db_model", isStored?.Invoke(d.Id) ?? false);
                WriteIf(writer, "max_input_tokens", c.ModelInfo.MaxInputTokens);
                WriteIf(writer, "max_output_tokens", c.ModelInfo.MaxOutputTokens);
                if (c.ModelInfo.InputCostPerToken is { } input)
                {
                    writer.WriteNumber("input_cost_per_token", input);
                }

                if (c.ModelInfo.OutputCostPerToken is { } output)
                {
                    writer.WriteNumber("output_cost_per_token", output);
                }

                writer.WriteEndObject();
                writer.WriteEndObject();
            }
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static void WriteIf(Utf8JsonWriter writer, string name, int? value)
    {
        if (value is { } v)
        {
            writer.WriteNumber(name, v);
        }
    }
}
