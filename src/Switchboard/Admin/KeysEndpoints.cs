using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Switchboard.Admission;
using Switchboard.Auth;
using Switchboard.Storage;

namespace Switchboard.Admin;

/// <summary>
/// LiteLLM's key management API. Every handler needs the master key (<see cref="AdminAuth"/>); a raw key appears in a
/// response only once, when it is generated or regenerated. Services come from DI: <see cref="IGatewayStore"/>,
/// <see cref="AuthService"/>, <see cref="AdmissionController"/>, <see cref="TimeProvider"/>.
/// </summary>
internal static class KeysEndpoints
{
    public static IEndpointRouteBuilder MapKeyManagementEndpoints(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapPost("/key/generate", GenerateAsync);
        app.MapGet("/key/info", InfoAsync);
        app.MapPost("/key/update", UpdateAsync);
        app.MapPost("/key/delete", DeleteAsync);
        app.MapGet("/key/list", ListAsync);
        app.MapPost("/key/{key}/regenerate", RegenerateAsync);
        app.MapPost("/key/block", context => SetBlockedAsync(context, blocked: true));
        app.MapPost("/key/unblock", context => SetBlockedAsync(context, blocked: false));
        return app;
    }

    /// <summary>A raw key (<c>sk-…</c>) or its hash (the "token" of /key/list) to the stored hash.</summary>
    public static string ToHash(string keyOrHash) =>
        KeyHasher.LooksLikeHash(keyOrHash) ? keyOrHash.ToLowerInvariant() : KeyHasher.Hash(keyOrHash);

    private static async Task GenerateAsync(HttpContext context)
    {
        if (!await AdminAuth.RequireMasterAsync(context) || await ReadAsync(context) is not { } request)
        {
            return;
        }

        var store = context.RequestServices.GetRequiredService<IGatewayStore>();
        var now = context.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
        var raw = request.Key ?? VirtualKeyGenerator.New();
        if (!raw.StartsWith("sk-", StringComparison.Ordinal) || raw.Length < 20)
        {
            await BadRequestAsync(context, "A custom key must start with 'sk-' and be at least 20 characters long.");
            return;
        }

        var blank = new VirtualKeyRecord { KeyHash = KeyHasher.Hash(raw), KeyPreview = KeyHasher.Mask(raw), CreatedAt = now, UpdatedAt = now };
        if (request.ApplyTo(blank, now, out var error) is not { } key)
        {
            await BadRequestAsync(context, error!);
            return;
        }

        try
        {
            await store.InsertKeyAsync(key, context.RequestAborted);
        }
        catch (DuplicateKeyException)
        {
            await BadRequestAsync(context, "A key with this key_alias (or this custom key) exists already.");
            return;
        }

        context.RequestServices.GetRequiredService<AuthService>().Invalidate(key.KeyHash);
        await KeysJson.WriteAsync(context, 200, w =>
        {
            w.WriteStartObject();
            w.WriteString("key", raw);
            w.WriteString("token_id", key.KeyHash);
            KeysJson.WriteKeyFields(w, key, 0, null);
            w.WriteEndObject();
        });
    }

    private static async Task InfoAsync(HttpContext context)
    {
        if (!await AdminAuth.RequireMasterAsync(context))
        {
            return;
        }

        var keyParam = context.Request.Query["key"].ToString();
        if (string.IsNullOrEmpty(keyParam))
        {
            await BadRequestAsync(context, "Pass the key (or its token id) as ?key=.");
            return;
        }

        if (await FindAsync(context, ToHash(keyParam)) is not { } key)
        {
            return;
        }

        await KeysJson.WriteAsync(context, 200, w =>
        {
            w.WriteStartObject();
            w.WriteString("key", key.KeyHash);
            w.WriteStartObject("info");
            WriteLive(context, w, key);
            w.WriteEndObject();
            w.WriteEndObject();
        });
    }

    private static async Task UpdateAsync(HttpContext context)
    {
        if (!await AdminAuth.RequireMasterAsync(context) || await ReadAsync(context) is not { } request)
        {
            return;
        }

        if (string.IsNullOrEmpty(request.Key))
        {
            await BadRequestAsync(context, "Name the key to update in \"key\".");
            return;
        }

        if (await FindAsync(context, ToHash(request.Key)) is not { } existing)
        {
            return;
        }

        var now = context.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
        if (request.ApplyTo(existing, now, out var error) is not { } updated)
        {
            await BadRequestAsync(context, error!);
            return;
        }

        try
        {
            await context.RequestServices.GetRequiredService<IGatewayStore>().UpdateKeyAsync(updated, context.RequestAborted);
        }
        catch (DuplicateKeyException)
        {
            await BadRequestAsync(context, "Another key has this key_alias.");
            return;
        }

        context.RequestServices.GetRequiredService<AuthService>().Invalidate(updated.KeyHash);
        await WriteKeyAsync(context, updated);
    }

    private static async Task DeleteAsync(HttpContext context)
    {
        if (!await AdminAuth.RequireMasterAsync(context))
        {
            return;
        }

        List<string> hashes = [];
        List<string> aliases = [];
        try
        {
            using var body = await JsonDocument.ParseAsync(context.Request.Body, default, context.RequestAborted);
            if (body.RootElement.TryGetProperty("keys", out var keys) && keys.ValueKind == JsonValueKind.Array)
            {
                hashes.AddRange(keys.EnumerateArray().Select(k => ToHash(k.GetString() ?? "")));
            }

            if (body.RootElement.TryGetProperty("key_aliases", out var names) && names.ValueKind == JsonValueKind.Array)
            {
                aliases.AddRange(names.EnumerateArray().Select(a => KeysRequest.Text(a) ?? ""));
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            await BadRequestAsync(context, "The body must be {\"keys\": [...]} or {\"key_aliases\": [...]}.");
            return;
        }

        if (hashes.Count + aliases.Count == 0)
        {
            await BadRequestAsync(context, "Name the keys to delete in \"keys\" or \"key_aliases\".");
            return;
        }

        var deleted = await context.RequestServices.GetRequiredService<IGatewayStore>()
            .DeleteKeysAsync(hashes, aliases, context.RequestAborted);
        var auth = context.RequestServices.GetRequiredService<AuthService>();
        var admission = context.RequestServices.GetRequiredService<AdmissionController>();
        foreach (var hash in deleted)
        {
            auth.Invalidate(hash);
            admission.Forget(hash);
        }

        if (deleted.Count == 0)
        {
            await AdminAuth.WriteErrorAsync(context, 404, "None of the named keys exist.", "not_found_error", "key_not_found");
            return;
        }

        await KeysJson.WriteAsync(context, 200, w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("deleted_keys");
            foreach (var hash in deleted)
            {
                w.WriteStringValue(hash);
            }

            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    private static async Task ListAsync(HttpContext context)
    {
        if (!await AdminAuth.RequireMasterAsync(context))
        {
            return;
        }

        var query = context.Request.Query;
        var page = int.TryParse(query["page"], out var p) ? p : 1;
        var size = int.TryParse(query["size"], out var s) ? s : 10;
        var full = string.Equals(query["return_full_object"], "true", StringComparison.OrdinalIgnoreCase);
        var result = await context.RequestServices.GetRequiredService<IGatewayStore>().ListKeysAsync(page, size, context.RequestAborted);
        await KeysJson.WriteAsync(context, 200, w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("keys");
            foreach (var key in result.Items)
            {
                if (full)
                {
                    w.WriteStartObject();
                    WriteLive(context, w, key);
                    w.WriteEndObject();
                }
                else
                {
                    w.WriteStringValue(key.KeyHash);
                }
            }

            w.WriteEndArray();
            w.WriteNumber("total_count", result.TotalCount);
            w.WriteNumber("current_page", result.PageNumber);
            w.WriteNumber("total_pages", result.TotalPages);
            w.WriteEndObject();
        });
    }

    /// <summary>
    /// A new secret for a key, which keeps its spend and limits; the body may change its fields in the same call, as
    /// LiteLLM's regenerate does (the fields of <c>/key/update</c>; an empty body changes none). The changes are stored
    /// first, so a refused change (bad value, alias taken) leaves the old secret working.
    /// </summary>
    private static async Task RegenerateAsync(HttpContext context)
    {
        if (!await AdminAuth.RequireMasterAsync(context) || await ReadAsync(context) is not { } request)
        {
            return;
        }

        var oldHash = ToHash(context.Request.RouteValues["key"] as string ?? "");
        if (await FindAsync(context, oldHash) is not { } key)
        {
            return;
        }

        var store = context.RequestServices.GetRequiredService<IGatewayStore>();
        var now = context.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
        if (request.ApplyTo(key, now, out var error) is not { } changed)
        {
            await BadRequestAsync(context, error!);
            return;
        }

        if (changed != key with { UpdatedAt = changed.UpdatedAt })
        {
            try
            {
                await store.UpdateKeyAsync(changed, context.RequestAborted);
            }
            catch (DuplicateKeyException)
            {
                await BadRequestAsync(context, "Another key has this key_alias.");
                return;
            }

            key = changed;
        }

        var raw = VirtualKeyGenerator.New();
        var newHash = KeyHasher.Hash(raw);
        if (!await store.ReplaceKeyHashAsync(oldHash, newHash, KeyHasher.Mask(raw), now, context.RequestAborted))
        {
            await NotFoundAsync(context);
            return;
        }

        context.RequestServices.GetRequiredService<AuthService>().Invalidate(oldHash);
        context.RequestServices.GetRequiredService<AdmissionController>().MoveKey(oldHash, newHash);
        var moved = key with { KeyHash = newHash, KeyPreview = KeyHasher.Mask(raw), UpdatedAt = now };
        await KeysJson.WriteAsync(context, 200, w =>
        {
            w.WriteStartObject();
            w.WriteString("key", raw);
            w.WriteString("token_id", newHash);
            WriteLive(context, w, moved);
            w.WriteEndObject();
        });
    }

    private static async Task SetBlockedAsync(HttpContext context, bool blocked)
    {
        if (!await AdminAuth.RequireMasterAsync(context) || await ReadAsync(context) is not { } request)
        {
            return;
        }

        if (string.IsNullOrEmpty(request.Key))
        {
            await BadRequestAsync(context, "Name the key in \"key\".");
            return;
        }

        var hash = ToHash(request.Key);
        var now = context.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
        var store = context.RequestServices.GetRequiredService<IGatewayStore>();
        if (!await store.SetBlockedAsync(hash, blocked, now, context.RequestAborted))
        {
            await NotFoundAsync(context);
            return;
        }

        context.RequestServices.GetRequiredService<AuthService>().Invalidate(hash);
        if (await FindAsync(context, hash) is { } key)
        {
            await WriteKeyAsync(context, key);
        }
    }

    private static Task WriteKeyAsync(HttpContext context, VirtualKeyRecord key) =>
        KeysJson.WriteAsync(context, 200, w =>
        {
            w.WriteStartObject();
            w.WriteString("key", key.KeyHash);
            WriteLive(context, w, key);
            w.WriteEndObject();
        });

    /// <summary>Key fields with the live spend from admission when this instance has it (the store may lag a flush).</summary>
    private static void WriteLive(HttpContext context, Utf8JsonWriter writer, VirtualKeyRecord key)
    {
        var admission = context.RequestServices.GetRequiredService<AdmissionController>();
        KeysJson.WriteKeyFields(writer, key, admission.GetSpend(key.KeyHash) ?? key.Spend, admission.GetBudgetResetAt(key.KeyHash));
    }

    private static async Task<VirtualKeyRecord?> FindAsync(HttpContext context, string hash)
    {
        var key = await context.RequestServices.GetRequiredService<IGatewayStore>().GetKeyByHashAsync(hash, context.RequestAborted);
        if (key is null)
        {
            await NotFoundAsync(context);
        }

        return key;
    }

    private static async Task<KeysRequest?> ReadAsync(HttpContext context)
    {
        KeysRequest? request;
        string? error;
        try
        {
            using var body = await JsonDocument.ParseAsync(context.Request.Body, default, context.RequestAborted);
            request = KeysRequest.Parse(body.RootElement, out error);
        }
        catch (JsonException)
        {
            // An empty body is an empty request (POST /key/generate with no fields); anything else is broken JSON.
            var empty = context.Request.ContentLength is 0 or null && !context.Request.Headers.ContainsKey("Transfer-Encoding");
            request = empty ? new KeysRequest() : null;
            error = empty ? null : "The body is not valid JSON.";
        }

        if (request is null)
        {
            await BadRequestAsync(context, error ?? "Bad request.");
        }

        return request;
    }

    private static Task BadRequestAsync(HttpContext context, string message) =>
        AdminAuth.WriteErrorAsync(context, 400, message, "invalid_request_error", "bad_request");

    private static Task NotFoundAsync(HttpContext context) =>
        AdminAuth.WriteErrorAsync(context, 404, "No such key.", "not_found_error", "key_not_found");
}
