using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Switchboard.Protocols;
using Switchboard.Protocols.Anthropic;
using Switchboard.Translation;
using Switchboard.Translation.Gemini;

namespace Switchboard.Api;

/// <summary>
/// Google's Gemini API (what Gemini CLI and the google-genai SDKs speak) onto every pool: <c>POST
/// /v1beta/models/{model}:generateContent</c>, <c>:streamGenerateContent</c> (<c>?alt=sse</c>, else a streamed JSON
/// array), <c>:countTokens</c>; <c>GET /v1beta/models</c> and <c>/v1beta/models/{model}</c>. The same under <c>/v1</c>
/// and without a prefix for the POST methods (<c>GET /models</c> stays OpenAI's list). The model in the path is the
/// model group (aliases and wildcards apply); a <c>models/</c> prefix is the resource name's and is dropped.
/// </summary>
internal static class GeminiEndpoints
{
    private static readonly string[] Methods = ["generateContent", "streamGenerateContent", "countTokens"];

    public static void MapGeminiEndpoints(this IEndpointRouteBuilder app, GatewayServices services)
    {
        var proxy = new ProxyEndpoint(services);
        foreach (var prefix in new[] { "/v1beta", "/v1", string.Empty })
        {
            // Not /v1/models itself: that is OpenAI's (a POST there stays OpenAI's 405).
            app.MapPost(prefix + "/models/{**rest:minlength(1)}", context => PostAsync(context, services, proxy))
                .WithMetadata(Hosting.InlineEndpoint.Metadata); // may start on a socket engine's thread (architecture decision 16)
        }

        app.MapGet("/v1beta/models", context => ListAsync(context, services));
        app.MapGet("/v1beta/models/{**rest}", context => GetAsync(context, services));
    }

    /// <summary>True for the paths this API serves, so that errors outside the endpoints (404, 405, 500) take Google's shape.</summary>
    public static bool Owns(HttpRequest request) =>
        request.Path.StartsWithSegments("/v1beta") ||
        (HttpMethods.IsPost(request.Method) && (request.Path.StartsWithSegments("/v1/models", out var rest) || request.Path.StartsWithSegments("/models", out rest))
         && rest.Value is { Length: > 1 });

    private static Task PostAsync(HttpContext context, GatewayServices services, ProxyEndpoint proxy)
    {
        var rest = context.Request.RouteValues["rest"] as string ?? "";
        var colon = rest.LastIndexOf(':');
        var method = colon < 0 ? "" : rest[(colon + 1)..];
        var model = ModelOf(colon < 0 ? rest : rest[..colon]);
        switch (method)
        {
            case "generateContent":
            case "streamGenerateContent":
                var stream = method == "streamGenerateContent";
                var framing = string.Equals(context.Request.Query["alt"].ToString(), "sse", StringComparison.OrdinalIgnoreCase)
                    ? GeminiStreamFraming.Sse
                    : GeminiStreamFraming.JsonArray;
                return proxy.HandleAsync(context, ClientApi.Gemini,
                    (body, _) => new GeminiCall(body, model, stream, framing, services.Time) { Logger = services.Logger }, model);
            case "countTokens":
                return CountTokensAsync(context, services, model);
            default:
                CallIds.Assign(context);
                return ApiErrors.WriteAsync(context, ClientApi.Gemini, 404,
                    $"Unknown method {JsonInput.Quote(method, 64)} on models/{ClientText.Quote(model, 64)}; this gateway serves {string.Join(", ", Methods)}.");
        }
    }

    /// <summary>Authenticated like every call, body-limited, and only for a model group that exists (Google answers 404 otherwise).</summary>
    private static async Task CountTokensAsync(HttpContext context, GatewayServices services, string model)
    {
        CallIds.Assign(context);
        if (!await AuthorizedAsync(context, services, model))
        {
            return;
        }

        using var body = await RequestBody.ReadAsync(context.Request, services.Config.General.MaxRequestBodyBytes, context.RequestAborted);
        if (body is null)
        {
            await ApiErrors.WriteAsync(context, ClientApi.Gemini, 413,
                $"Request body is larger than the limit of {services.Config.General.MaxRequestBodyBytes} bytes (general_settings.max_request_size_mb).");
            return;
        }

        // The tokenizer is synchronous CPU work: a large body is counted on a pool thread (architecture decision 16).
        await ProxyEndpoint.TokenizerHop(body.Length);

        int tokens;
        try
        {
            using var document = JsonInput.Parse(body.Span, "The request body");
            tokens = GeminiTokens.Count(GeminiRequestTranslator.CountTokensRequest(document.RootElement));
        }
        catch (TranslationException ex)
        {
            await ApiErrors.WriteAsync(context, ClientApi.Gemini, 400, ex.Message);
            return;
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException)
        {
            await ApiErrors.WriteAsync(context, ClientApi.Gemini, 400, JsonInput.NotUnicode(ex).Message);
            return;
        }

        context.Response.ContentType = "application/json";
        using var writer = new Utf8JsonWriter(context.Response.BodyWriter, JsonWriting.Options);
        writer.WriteStartObject();
        writer.WriteNumber("totalTokens"u8, tokens);
        writer.WriteEndObject();
        await writer.FlushAsync(context.RequestAborted);
    }

    /// <summary>The model groups the caller may call, as Gemini <c>Model</c> resources (as in <c>GET /v1/models</c>).</summary>
    private static async Task ListAsync(HttpContext context, GatewayServices services)
    {
        CallIds.Assign(context);
        if (await ApiErrors.AuthenticateOrRefuseAsync(context, services, ClientApi.Gemini) is not { } caller)
        {
            return;
        }

        var allowed = caller.AllowedModels;
        var names = ModelNames.Listed(services.Config, allowed);
        context.Response.ContentType = "application/json";
        using var writer = new Utf8JsonWriter(context.Response.BodyWriter, JsonWriting.Options);
        writer.WriteStartObject();
        writer.WriteStartArray("models"u8);
        foreach (var name in names)
        {
            WriteModel(writer, name, services);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
        await writer.FlushAsync(context.RequestAborted);
    }

    private static async Task GetAsync(HttpContext context, GatewayServices services)
    {
        CallIds.Assign(context);
        var model = ModelOf(context.Request.RouteValues["rest"] as string ?? "");
        if (!await AuthorizedAsync(context, services, model))
        {
            return;
        }

        context.Response.ContentType = "application/json";
        using var writer = new Utf8JsonWriter(context.Response.BodyWriter, JsonWriting.Options);
        WriteModel(writer, model, services);
        await writer.FlushAsync(context.RequestAborted);
    }

    /// <summary>Authenticates, then checks that <paramref name="model"/> names a group the caller may use; answers the error if not.</summary>
    private static async Task<bool> AuthorizedAsync(HttpContext context, GatewayServices services, string model)
    {
        if (await ApiErrors.AuthenticateOrRefuseAsync(context, services, ClientApi.Gemini) is not { } caller)
        {
            return false;
        }

        if (RequestChecks.CheckModelName(model) is { } problem)
        {
            await ApiErrors.WriteAsync(context, ClientApi.Gemini, 400, problem.Message);
            return false;
        }

        if (services.Router.ResolveGroup(model) is null || !Admission.AdmissionController.IsModelAllowed(caller.AllowedModels, model))
        {
            await ApiErrors.WriteAsync(context, ClientApi.Gemini, 404,
                $"models/{ClientText.Quote(model)} is not found. {ModelNames.Known(services.Config, caller.AllowedModels)}");
            return false;
        }

        return true;
    }

    private static void WriteModel(Utf8JsonWriter writer, string name, GatewayServices services)
    {
        var info = services.Router.ResolveGroup(name) is { Deployments.Count: > 0 } group ? group.Deployments[0].Config.ModelInfo : null;
        writer.WriteStartObject();
        writer.WriteString("name"u8, "models/" + name);
        writer.WriteString("baseModelId"u8, name);
        writer.WriteString("version"u8, "switchboard"u8);
        writer.WriteString("displayName"u8, name);
        writer.WriteString("description"u8, "A Switchboard model group: calls go to one of its deployments.");
        if (info?.MaxInputTokens is { } input)
        {
            writer.WriteNumber("inputTokenLimit"u8, input);
        }

        if (info?.MaxOutputTokens is { } output)
        {
            writer.WriteNumber("outputTokenLimit"u8, output);
        }

        writer.WriteStartArray("supportedGenerationMethods"u8);
        foreach (var method in Methods)
        {
            writer.WriteStringValue(method);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    /// <summary>The model group a path names: <c>models/x</c> and <c>x</c> alike (the SDKs send either form).</summary>
    private static string ModelOf(string path)
    {
        var model = Uri.UnescapeDataString(path);
        return model.StartsWith("models/", StringComparison.Ordinal) ? model["models/".Length..] : model;
    }
}
