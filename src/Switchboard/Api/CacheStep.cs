using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Switchboard.Auth;
using Switchboard.Cache;

namespace Switchboard.Api;

/// <summary>
/// The response cache on the call path: one lookup before the attempt loop, one store after it. A hit is answered with
/// the stored bytes (a stream replays its events as a stream) and <c>x-litellm-cache-key</c>; a call to store relays
/// through a <see cref="CaptureStream"/>. Without caching (<see cref="GatewayServices.Cache"/> null) it costs one check.
/// </summary>
internal sealed class CacheStep
{
    /// <summary>No cache work for this call.</summary>
    public static readonly CacheStep None = new(null, null, null);

    private readonly ResponseCache? _cache;
    private readonly CacheRequest? _request;
    private readonly CaptureStream? _capture;

    private CacheStep(ResponseCache? cache, CacheRequest? request, CaptureStream? capture)
    {
        _cache = cache;
        _request = request;
        _capture = capture;
    }

    /// <summary>The call was answered from the cache.</summary>
    public bool Served { get; private init; }

    /// <summary>Looks the call up; answers it on a hit, otherwise prepares to store its answer when it is to be stored.</summary>
    public static async ValueTask<CacheStep> BeginAsync(GatewayServices services, HttpContext context, ClientApi api, string group,
        RequestBody body, bool stream, CallState call)
    {
        if (services.Cache is not { } cache)
        {
            return None;
        }

        var request = cache.Prepare(body.Span, TypeOf(context, api), group, stream, context.Request.Headers.CacheControl.ToString());
        if (request is null || !cache.Applies(request))
        {
            return None;
        }

        context.Response.Headers["x-litellm-cache-key"] = request.Key;
        if (await cache.LookupAsync(request, context.RequestAborted) is { } hit)
        {
            call.ServedGroup = group;
            call.CacheHit = true;
            context.Response.StatusCode = 200;
            context.Response.ContentType = hit.ContentType;
            context.Response.ContentLength = hit.Body.Length;
            await context.Response.Body.WriteAsync(hit.Body, context.RequestAborted);
            return new CacheStep(cache, request, null) { Served = true };
        }

        if (!cache.Stores(request))
        {
            return new CacheStep(cache, request, null);
        }

        var capture = new CaptureStream(context.Response.Body);
        context.Response.Body = capture;
        return new CacheStep(cache, request, capture);
    }

    /// <summary>Stores a complete, successful answer (never an error, a broken stream or a call the client left).</summary>
    public async ValueTask StoreAsync(HttpContext context, CallState call)
    {
        if (_capture is null || _cache is null || _request is null)
        {
            return;
        }

        if (context.Response.StatusCode != 200 || call.ErrorClass is not null || call.ServedBy is null || context.RequestAborted.IsCancellationRequested)
        {
            return;
        }

        try
        {
            await context.Response.BodyWriter.FlushAsync(context.RequestAborted);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
            return; // The client left as the answer ended: nothing complete to keep.
        }

        if (!_capture.Overflowed)
        {
            await _cache.StoreAsync(_request, _capture.ToArray(), context.Response.ContentType ?? "application/json", CancellationToken.None);
        }
    }

    /// <summary><c>GET /cache/ping</c> (any authenticated caller) and <c>POST /cache/delete</c> (master key; <c>{"keys": [...]}</c>).</summary>
    public static void MapEndpoints(IEndpointRouteBuilder app, GatewayServices services)
    {
        app.MapGet("/cache/ping", async context =>
        {
            if (await ApiErrors.AuthenticateOrRefuseAsync(context, services, ClientApi.OpenAi) is null)
            {
                return;
            }

            if (services.Cache is not { } cache)
            {
                await ApiErrors.WriteAsync(context, ClientApi.OpenAi, 503, "Caching is off: set litellm_settings.cache: true.", "cache_not_initialized");
                return;
            }

            var healthy = await cache.Backend.PingAsync(context.RequestAborted);
            context.Response.StatusCode = healthy ? 200 : 503;
            context.Response.ContentType = "application/json";
            await using var writer = new Utf8JsonWriter(context.Response.Body);
            writer.WriteStartObject();
            writer.WriteString("status"u8, healthy ? "healthy" : "unhealthy");
            writer.WriteString("cache_type"u8, cache.Backend.Type);
            writer.WriteNumber("ttl_seconds"u8, cache.Options.Ttl.TotalSeconds);
            writer.WriteEndObject();
        });
        app.MapPost("/cache/delete", async context =>
        {
            if (!await AdminAuth.RequireMasterAsync(context))
            {
                return;
            }

            if (services.Cache is not { } cache)
            {
                await AdminAuth.WriteErrorAsync(context, 503, "Caching is off: set litellm_settings.cache: true.", "api_error", "cache_not_initialized");
                return;
            }

            List<string> keys;
            try
            {
                using var doc = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
                keys = doc.RootElement.TryGetProperty("keys", out var k) && k.ValueKind == JsonValueKind.Array
                    ? [.. k.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!)]
                    : throw new JsonException("no keys");
            }
            catch (JsonException)
            {
                await AdminAuth.WriteErrorAsync(context, 400, "Expected a JSON body {\"keys\": [\"<x-litellm-cache-key>\", ...]}.", "invalid_request_error", "invalid_body", "keys");
                return;
            }

            int deleted;
            try
            {
                deleted = await cache.Backend.DeleteAsync(keys, context.RequestAborted);
            }
            catch (CacheUnavailableException e)
            {
                await AdminAuth.WriteErrorAsync(context, 503, e.Message, "api_error", "cache_unavailable");
                return;
            }

            context.Response.ContentType = "application/json";
            await using var writer = new Utf8JsonWriter(context.Response.Body);
            writer.WriteStartObject();
            writer.WriteString("status"u8, "success");
            writer.WriteNumber("deleted"u8, deleted);
            writer.WriteEndObject();
        });
    }

    /// <summary>The response cache for a config, or null when caching is off; problems in <c>cache_params</c> are logged.</summary>
    public static ResponseCache? Create(Config.GatewayConfig config, TimeProvider time, ILogger logger)
    {
        if (CacheOptions.From(config.LiteLlm) is not { } options)
        {
            return null;
        }

        foreach (var warning in options.Warnings)
        {
            Log.CacheSetting(logger, warning);
        }

        if (options.Type == "redis")
        {
            if (Cluster.RedisSettings.ForCache(config, Environment.GetEnvironmentVariable) is { } redis)
            {
                return new ResponseCache(options, new RedisCacheBackend(redis), time);
            }

            Log.CacheSetting(logger, "cache_params.type redis names no Redis (cache_params host/port/url/sentinel_nodes/redis_startup_nodes, router_settings redis_*, REDIS_HOST/REDIS_URL/REDIS_SENTINEL_NODES/REDIS_CLUSTER_NODES); answers are cached in this process (local)");
        }

        return new ResponseCache(options, new LocalCacheBackend(time, options.MaxEntries), time);
    }

    private static CallType TypeOf(HttpContext context, ClientApi api)
    {
        if (api == ClientApi.Anthropic)
        {
            return CallType.AnthropicMessages;
        }

        var path = context.Request.Path.Value ?? "";
        return path.EndsWith("/chat/completions", StringComparison.Ordinal) ? CallType.Chat
            : path.EndsWith("/embeddings", StringComparison.Ordinal) ? CallType.Embedding
            : CallType.TextCompletion;
    }
}

internal static partial class Log
{
    [LoggerMessage(EventId = 195, Level = LogLevel.Warning, Message = "Response cache: {Problem}")]
    public static partial void CacheSetting(ILogger logger, string problem);
}
