using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Switchboard.Auth;
using Switchboard.Config;
using Switchboard.Observability;
using Switchboard.Storage;

namespace Switchboard.Models;

/// <summary>
/// LiteLLM's model management with <c>store_model_in_db</c> (master key): <c>POST /model/new</c>, <c>POST /model/update</c>
/// (and <c>PATCH /model/{id}/update</c>), <c>POST /model/delete</c>. A body is checked as a <c>model_list</c> entry of
/// the config file is (the same parser, the same messages); a bad one gets 400 in OpenAI's error shape. A change is written
/// to the database (secrets sealed), applied here through the hot-reload path, and announced to the other instances.
/// </summary>
internal static class ModelEndpoints
{
    private const int MaxBodyBytes = 1024 * 1024;

    public static void MapModelEndpoints(this IEndpointRouteBuilder app, ModelRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        app.MapPost("/model/new", context => RunAsync(context, registry, NewAsync));
        app.MapPost("/model/update", context => RunAsync(context, registry, (c, r, b) => UpdateAsync(c, r, b, null)));
        app.MapMethods("/model/{id}/update", [HttpMethods.Patch],
            context => RunAsync(context, registry, (c, r, b) => UpdateAsync(c, r, b, c.Request.RouteValues["id"] as string)));
        app.MapPost("/model/delete", context => RunAsync(context, registry, DeleteAsync));
    }

    private static async Task RunAsync(HttpContext context, ModelRegistry registry, Func<HttpContext, ModelRegistry, JsonObject, Task> handler)
    {
        if (!await AdminAuth.RequireMasterAsync(context))
        {
            return;
        }

        if (!registry.Enabled || registry.Box is null)
        {
            await BadRequestAsync(context, "Models can be added through the API only with general_settings.store_model_in_db: true " +
                "(or STORE_MODEL_IN_DB=True); the config file's model_list is edited in the file.", "store_model_in_db_disabled");
            return;
        }

        JsonObject body;
        try
        {
            body = await ReadBodyAsync(context) is JsonObject o ? o : throw new JsonException("the body is not a JSON object");
        }
        catch (JsonException ex)
        {
            await BadRequestAsync(context, "The body must be a JSON object: " + ex.Message.Split('.')[0] + ".", "invalid_json");
            return;
        }
        catch (InvalidDataException)
        {
            await BadRequestAsync(context, $"The body is larger than {MaxBodyBytes} bytes.", "body_too_large");
            return;
        }

        await handler(context, registry, body);
    }

    private static async Task NewAsync(HttpContext context, ModelRegistry registry, JsonObject body)
    {
        if (Text(body["model_name"]) is not { Length: > 0 } modelName)
        {
            await BadRequestAsync(context, "model_name is required: the model group clients name.", "invalid_model", "model_name");
            return;
        }

        if (body["litellm_params"] is not JsonObject litellmParams)
        {
            await BadRequestAsync(context, "litellm_params is required: an object with at least the upstream model.", "invalid_model", "litellm_params");
            return;
        }

        if (body["model_info"] is { } infoNode && infoNode is not JsonObject)
        {
            await BadRequestAsync(context, "model_info must be an object.", "invalid_model", "model_info");
            return;
        }

        var info = body["model_info"] is JsonObject given ? (JsonObject)given.DeepClone() : [];
        info.Remove("db_model");
        var id = Text(info["id"]) is { Length: > 0 } explicitId ? explicitId : Guid.NewGuid().ToString();
        info["id"] = id;
        if (registry.IsInFile(id) || registry.IsStored(id))
        {
            await BadRequestAsync(context, $"A deployment with the id '{ClientId(id)}' already exists.", "duplicate_model_id", "model_info.id");
            return;
        }

        var plain = (JsonObject)litellmParams.DeepClone();
        if (!await CheckAsync(context, registry, modelName, plain, info))
        {
            return;
        }

        var now = registry.Time.GetUtcNow();
        var row = new ModelDeploymentRecord(id, modelName, StoredModelCodec.Seal(plain, id, registry.Box!), info.ToJsonString(), now, now);
        try
        {
            await registry.Store.InsertModelDeploymentAsync(row, context.RequestAborted);
        }
        catch (DuplicateKeyException)
        {
            await BadRequestAsync(context, $"A deployment with the id '{ClientId(id)}' already exists.", "duplicate_model_id", "model_info.id");
            return;
        }

        await AppliedAsync(context, registry, row, plain, info, "added");
    }

    private static async Task UpdateAsync(HttpContext context, ModelRegistry registry, JsonObject body, string? routeId)
    {
        var id = routeId ?? Text((body["model_info"] as JsonObject)?["id"]) ?? Text(body["id"]);
        if (string.IsNullOrEmpty(id))
        {
            await BadRequestAsync(context, "model_info.id is required: the id of the stored deployment to update (GET /model/info lists them).",
                "invalid_model", "model_info.id");
            return;
        }

        // Another instance may have added it a moment ago.
        await registry.RefreshAsync(force: false, startup: false, "update", context.RequestAborted);
        if (await FindStoredAsync(context, registry, id) is not { } existing)
        {
            return;
        }

        var plain = (JsonObject)existing.Params.DeepClone();
        if (body["litellm_params"] is JsonObject changes)
        {
            foreach (var (name, value) in changes)
            {
                if (value is null)
                {
                    plain.Remove(name);
                }
                else
                {
                    plain[name] = value.DeepClone();
                }
            }
        }

        var info = (JsonObject)existing.Info.DeepClone();
        if (body["model_info"] is JsonObject infoChanges)
        {
            foreach (var (name, value) in infoChanges)
            {
                if (name is not ("id" or "db_model"))
                {
                    info[name] = value?.DeepClone();
                }
            }
        }

        info["id"] = id;
        var modelName = Text(body["model_name"]) is { Length: > 0 } name2 ? name2 : existing.Row.ModelName;
        if (!await CheckAsync(context, registry, modelName, plain, info))
        {
            return;
        }

        var row = existing.Row with
        {
            ModelName = modelName,
            LitellmParams = StoredModelCodec.Seal(plain, id, registry.Box!),
            ModelInfo = info.ToJsonString(),
            UpdatedAt = registry.Time.GetUtcNow(),
        };
        if (!await registry.Store.UpdateModelDeploymentAsync(row, context.RequestAborted))
        {
            await NotFoundAsync(context, id);
            return;
        }

        await AppliedAsync(context, registry, row, plain, info, "updated");
    }

    private static async Task DeleteAsync(HttpContext context, ModelRegistry registry, JsonObject body)
    {
        if (Text(body["id"]) is not { Length: > 0 } id)
        {
            await BadRequestAsync(context, "id is required: the id of the stored deployment to delete (GET /model/info lists them).",
                "invalid_model", "id");
            return;
        }

        if (registry.IsInFile(id) && !registry.IsStored(id))
        {
            await InFileAsync(context, id);
            return;
        }

        if (!await registry.Store.DeleteModelDeploymentAsync(id, context.RequestAborted))
        {
            await NotFoundAsync(context, id);
            return;
        }

        // Not the request's token: the row is gone whatever the client does now, and this instance must follow.
        await registry.RefreshAsync(force: true, startup: false, "POST /model/delete", CancellationToken.None);
        registry.Peers.ModelsChanged();
        Log.Changed(registry.Logger, id, "-", "deleted", context.Request.Path.Value ?? "");
        context.Response.ContentType = "application/json";
        await using var writer = new Utf8JsonWriter(context.Response.Body);
        writer.WriteStartObject();
        writer.WriteString("message"u8, $"Model: {id} deleted successfully");
        writer.WriteEndObject();
        await writer.FlushAsync(context.RequestAborted);
    }

    /// <summary>The merged entry checked as a model_list entry of the file; false (with a 400 written) when it is not valid.</summary>
    private static async Task<bool> CheckAsync(HttpContext context, ModelRegistry registry, string modelName, JsonObject plain, JsonObject info)
    {
        var (deployment, errors) = ConfigLoader.LoadDeployment(StoredModelCodec.Entry(modelName, plain, info), 0, "model", registry.Environment);
        if (deployment is not null)
        {
            return true;
        }

        // The parser quotes at most names and short values, but a key pasted into the wrong field must not come back.
        var redactor = new SecretRedactor(StoredModelCodec.SecretValues(plain));
        await BadRequestAsync(context, "Invalid model: " + redactor.RedactAndTruncate(string.Join("; ", errors), 2000), "invalid_model");
        return false;
    }

    private static async Task<StoredModel?> FindStoredAsync(HttpContext context, ModelRegistry registry, string id)
    {
        if (registry.Models.FirstOrDefault(m => string.Equals(m.Row.Id, id, StringComparison.Ordinal)) is { } found)
        {
            if (found.Deployment is null && found.Params.Count == 0)
            {
                await AdminAuth.WriteErrorAsync(context, 409, $"The stored deployment '{ClientId(id)}' cannot be decrypted with the salt key in force; " +
                    "delete it and add it again.", "invalid_request_error", "undecryptable_model");
                return null;
            }

            return found;
        }

        if (registry.IsInFile(id))
        {
            await InFileAsync(context, id);
        }
        else
        {
            await NotFoundAsync(context, id);
        }

        return null;
    }

    private static async Task AppliedAsync(HttpContext context, ModelRegistry registry, ModelDeploymentRecord row, JsonObject plain, JsonObject info, string action)
    {
        // Not the request's token: the row is written whatever the client does now, and this instance must follow.
        await registry.RefreshAsync(force: true, startup: false, "POST " + context.Request.Path.Value, CancellationToken.None);
        registry.Peers.ModelsChanged();
        Log.Changed(registry.Logger, row.Id, row.ModelName, action, context.Request.Path.Value ?? "");
        var shownInfo = (JsonObject)info.DeepClone();
        shownInfo["db_model"] = true;
        var answer = new JsonObject
        {
            ["model_id"] = row.Id,
            ["model_name"] = row.ModelName,
            ["litellm_params"] = StoredModelCodec.Masked(plain),
            ["model_info"] = shownInfo,
            ["created_at"] = row.CreatedAt.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            ["updated_at"] = row.UpdatedAt.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
        };
        context.Response.ContentType = "application/json";
        await using var writer = new Utf8JsonWriter(context.Response.Body);
        answer.WriteTo(writer);
        await writer.FlushAsync(context.RequestAborted);
    }

    private static async Task<JsonNode?> ReadBodyAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes)
            {
                throw new InvalidDataException("body too large");
            }

            buffer.Write(chunk, 0, read);
        }

        return JsonNode.Parse(buffer.ToArray());
    }

    private static string? Text(JsonNode? node) =>
        node is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null;

    private static string ClientId(string id) => id.Length > 200 ? id[..200] + "…" : id;

    private static Task BadRequestAsync(HttpContext context, string message, string code, string? param = null) =>
        AdminAuth.WriteErrorAsync(context, 400, message, "invalid_request_error", code, param);

    private static Task NotFoundAsync(HttpContext context, string id) =>
        AdminAuth.WriteErrorAsync(context, 404, $"No stored deployment has the id '{ClientId(id)}'; GET /model/info lists them.",
            "not_found_error", "model_not_found", "id");

    private static Task InFileAsync(HttpContext context, string id) =>
        AdminAuth.WriteErrorAsync(context, 400, $"The deployment '{ClientId(id)}' comes from the config file: change it there (the file is reloaded).",
            "invalid_request_error", "config_file_model", "id");
}
