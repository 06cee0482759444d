using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Switchboard.Api;

/// <summary>The OpenAI-compatible endpoints: chat completions, legacy completions, embeddings, models.</summary>
internal static class OpenAiEndpoints
{
    public static void MapOpenAiEndpoints(this IEndpointRouteBuilder app, GatewayServices services)
    {
        var loop = new AttemptLoop(services);
        foreach (var prefix in new[] { "/v1", string.Empty })
        {
            app.MapPost(prefix + "/chat/completions", context => ProxyAsync(context, services, loop, "/chat/completions"));
            app.MapPost(prefix + "/completions", context => ProxyAsync(context, services, loop, "/completions"));
            app.MapPost(prefix + "/embeddings", context => ProxyAsync(context, services, loop, "/embeddings"));
            app.MapGet(prefix + "/models", context => ModelsAsync(context, services));
        }
    }

    private static async Task ProxyAsync(HttpContext context, GatewayServices services, AttemptLoop loop, string upstreamPath)
    {
        var time = services.Time;
        var call = new CallState
        {
            CallId = CallIds.Assign(context),
            RequestedModel = string.Empty,
            StartTimestamp = time.GetTimestamp(),
        };
        var stream = false;
        string? model = null;
        try
        {
            using var body = await RequestBody.ReadAsync(context.Request, services.Config.General.MaxRequestBodyBytes, context.RequestAborted);
            if (body is null)
            {
                await ApiErrors.WriteAsync(context, ClientApi.OpenAi, 413,
                    $"Request body is larger than the limit of {services.Config.General.MaxRequestBodyBytes} bytes (general_settings.max_request_size_mb).");
                return;
            }

            RoutingFields fields;
            try
            {
                fields = RoutingFields.Parse(body.Span);
            }
            catch (JsonException ex)
            {
                await ApiErrors.WriteAsync(context, ClientApi.OpenAi, 400, "Malformed JSON in the request body: " + ex.Message, "invalid_json");
                return;
            }

            if (!fields.HasModel || !fields.ModelIsString || string.IsNullOrEmpty(fields.Model))
            {
                await ApiErrors.WriteAsync(context, ClientApi.OpenAi, 400,
                    fields.HasModel ? "'model' must be a non-empty string naming a model group." : "Missing required parameter 'model'.",
                    "invalid_model", "model");
                return;
            }

            model = fields.Model;
            stream = fields.Stream;
            var group = services.Router.ResolveGroup(model);
            if (group is null)
            {
                await ApiErrors.WriteAsync(context, ClientApi.OpenAi, 400,
                    $"Unknown model '{model}'. Known model groups: {string.Join(", ", services.Config.ModelGroups)}.", "model_not_found", "model");
                return;
            }

            call = new CallState
            {
                CallId = call.CallId,
                RequestedModel = model,
                StartTimestamp = call.StartTimestamp,
                SessionId = context.Request.Headers["x-session-id"].ToString() is { Length: > 0 } session ? session : fields.User,
            };
            var protocol = new OpenAiPassthrough(body, fields, upstreamPath, time);
            await loop.RunAsync(context, group, call, protocol);
        }
        finally
        {
            var total = time.GetElapsedTime(call.StartTimestamp);
            Log.Request(services.Logger, context.Request.Method, context.Request.Path, context.Response.StatusCode, model, call.ServedGroup,
                call.ServedBy, call.Retries, stream, total.TotalMilliseconds, Math.Max(0, (total - call.UpstreamTime).TotalMilliseconds), call.CallId);
        }
    }

    private static async Task ModelsAsync(HttpContext context, GatewayServices services)
    {
        context.Response.ContentType = "application/json";
        using var writer = new Utf8JsonWriter(context.Response.BodyWriter);
        writer.WriteStartObject();
        writer.WriteString("object", "list");
        writer.WriteStartArray("data");
        var names = services.Config.ModelGroups.Where(n => !n.Contains('*', StringComparison.Ordinal))
            .Concat(services.Config.Router.ModelGroupAlias.Keys).Distinct(StringComparer.Ordinal);
        foreach (var name in names)
        {
            writer.WriteStartObject();
            writer.WriteString("id", name);
            writer.WriteString("object", "model");
            writer.WriteNumber("created", 1_700_000_000);
            writer.WriteString("owned_by", "switchboard");
            writer.WriteString("type", "model");
            writer.WriteString("display_name", name);
            writer.WriteString("created_at", "2023-11-14T22:13:20Z");
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteBoolean("has_more", false);
        writer.WriteEndObject();
        await writer.FlushAsync(context.RequestAborted);
    }
}
