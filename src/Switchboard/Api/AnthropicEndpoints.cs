using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Switchboard.Translation;

namespace Switchboard.Api;

/// <summary>The Anthropic Messages API (what Claude Code speaks): <c>/v1/messages</c> and <c>/v1/messages/count_tokens</c>.</summary>
internal static class AnthropicEndpoints
{
    /// <summary>Claude Code's idle timer is generous, but proxies in between are not: ping while the upstream thinks.</summary>
    public static readonly TimeSpan PingInterval = TimeSpan.FromSeconds(10);

    public static void MapAnthropicEndpoints(this IEndpointRouteBuilder app, GatewayServices services)
    {
        var proxy = new ProxyEndpoint(services);
        app.MapPost("/v1/messages", context => proxy.HandleAsync(context, ClientApi.Anthropic,
            (body, fields) => new AnthropicMessages(body, fields, services.Time, PingInterval)
            {
                Logger = services.Logger,
                AnthropicBeta = HeaderOrNull(context.Request, "anthropic-beta"),
                AnthropicVersion = HeaderOrNull(context.Request, "anthropic-version"),
            }))
            .WithMetadata(Hosting.InlineEndpoint.Metadata); // may start on a socket engine's thread (architecture decision 16)
        app.MapPost("/v1/messages/count_tokens", context => CountTokensAsync(context, services));
    }

    /// <summary>A request header's values joined with commas, or null when the request has none.</summary>
    private static string? HeaderOrNull(HttpRequest request, string name) =>
        request.Headers.TryGetValue(name, out var values) && values.Count > 0 ? values.ToString() : null;

    /// <summary>
    /// Authenticated like every call (it reads a body and runs the tokenizer: not for anyone) and body-limited by
    /// <c>max_request_size_mb</c>. Refuses what <c>/v1/messages</c> refuses, with the same answers and the same code: an
    /// unknown model (404), a model the key may not use, a body the translation refuses for the group's OpenAI-compatible
    /// deployments (docs/hostile-input.md). It counts against no limit of the key.
    /// </summary>
    private static async Task CountTokensAsync(HttpContext context, GatewayServices services)
    {
        CallIds.Assign(context);
        if (await ApiErrors.AuthenticateOrRefuseAsync(context, services, ClientApi.Anthropic) is not { } caller)
        {
            return;
        }

        using var body = await RequestBody.ReadAsync(context.Request, services.Config.General.MaxRequestBodyBytes, context.RequestAborted);
        if (body is null)
        {
            await ApiErrors.WriteAsync(context, ClientApi.Anthropic, 413,
                $"Request body is larger than the limit of {services.Config.General.MaxRequestBodyBytes} bytes (general_settings.max_request_size_mb).");
            return;
        }

        // The tokenizer is synchronous CPU work: a large body is counted on a pool thread (architecture decision 16).
        await ProxyEndpoint.TokenizerHop(body.Length);

        int tokens;
        try
        {
            var fields = RoutingFields.Parse(body.Span);
            if (RequestChecks.CheckModel(fields) is { } modelProblem)
            {
                await ApiErrors.WriteAsync(context, ClientApi.Anthropic, 400, modelProblem.Message, modelProblem.Code, modelProblem.Param);
                return;
            }

            // In /v1/messages' order (ProxyEndpoint): the model group, the body's shape, the key's access, the translation.
            if (await ProxyEndpoint.ResolveGroupAsync(context, services, ClientApi.Anthropic, fields.Model!, caller) is not { } group)
            {
                return;
            }

            if (RequestChecks.CheckBody(fields, RequestKind.Anthropic) is { } problem)
            {
                await ApiErrors.WriteAsync(context, ClientApi.Anthropic, 400, problem.Message, problem.Code, problem.Param);
                return;
            }

            if (services.Admission.CheckAccess(caller, group.Name) is { } refused)
            {
                await ApiErrors.WriteAsync(context, ClientApi.Anthropic, refused.StatusCode, refused.Message, refused.ErrorCode);
                return;
            }

            new AnthropicMessages(body, fields, services.Time, PingInterval).Validate(group);
            tokens = RequestTokens.CountAnthropicRequest(body.Span);
        }
        catch (System.Text.Json.JsonException ex)
        {
            await ApiErrors.WriteAsync(context, ClientApi.Anthropic, 400, "Malformed JSON in the request body: " + Protocols.ClientText.Quote(ex.Message));
            return;
        }
        catch (Translation.TranslationException ex)
        {
            await ApiErrors.WriteAsync(context, ClientApi.Anthropic, 400, ex.Message);
            return;
        }

        var answer = RequestTokens.CountTokensResponse(tokens);
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = answer.Length;
        await context.Response.Body.WriteAsync(answer, context.RequestAborted);
    }
}
