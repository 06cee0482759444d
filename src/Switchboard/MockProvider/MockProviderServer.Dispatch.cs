using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Http;

namespace Switchboard.MockProvider;

/// <summary>Routing by path, the key's failure modes, and the non-stream answers.</summary>
internal sealed partial class MockProviderServer
{
    private static readonly byte[] ResetBody = """{"reset":true}"""u8.ToArray();
    private static readonly byte[] RootBody = "mock-provider\n"u8.ToArray();
    private static readonly byte[] HtmlPage = "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1><p>cloudflare</p></body></html>\n"u8.ToArray();
    private static readonly byte[] TruncatedChat = """{"id":"chatcmpl-mock-cut","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"Hello fr"""u8.ToArray();
    private static readonly byte[] TruncatedMessage = """{"id":"msg_mock_cut","type":"message","role":"assistant","model":"m","content":[{"type":"text","text":"Hello fr"""u8.ToArray();
    private static readonly byte[] PlainText = "upstream says: request accepted\n"u8.ToArray();

    private Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        ReadOnlySpan<char> path = request.Path.Value;
        if (path.StartsWith("/v1/", StringComparison.Ordinal)) path = path[3..];
        var post = HttpMethods.IsPost(request.Method);
        var get = HttpMethods.IsGet(request.Method);
        switch (path)
        {
            case "/chat/completions" when post:
                return ModelCallAsync(context, MockEndpoint.ChatCompletions);
            case "/completions" when post:
                return ModelCallAsync(context, MockEndpoint.Completions);
            case "/embeddings" when post:
                return ModelCallAsync(context, MockEndpoint.Embeddings);
            case "/messages" when post:
                return ModelCallAsync(context, MockEndpoint.Messages);
            case "/responses" when post:
                return ModelCallAsync(context, MockEndpoint.Responses);
            case "/messages/count_tokens" when post:
                return ModelCallAsync(context, MockEndpoint.CountTokens);
            case "/models" when get:
                return WriteBytesAsync(context, StatusCodes.Status200OK, OpenAiWriter.Models);
            case "/_stats" when get:
                var writer = MockJson.Rent(out var buffer);
                Stats.WriteJson(writer);
                writer.Flush();
                return WriteBytesAsync(context, StatusCodes.Status200OK, buffer.WrittenSpan);
            case "/_reset" when post:
                Stats.Reset();
                return WriteBytesAsync(context, StatusCodes.Status200OK, ResetBody);
            case "" or "/" when get || HttpMethods.IsHead(request.Method):
                return WriteBytesAsync(context, StatusCodes.Status200OK, RootBody, "text/plain");
            default:
                return WriteBytesAsync(context, StatusCodes.Status404NotFound, OpenAiWriter.NotFound);
        }
    }

    private async Task ModelCallAsync(HttpContext context, MockEndpoint endpoint)
    {
        foreach (var name in _options.RecordHeaders)
        {
            if (context.Request.Headers.TryGetValue(name, out var values))
            {
                RecordedHeaders.Enqueue(new(name, values.ToString()));
            }
        }

        var key = KeyOf(context.Request);
        var behaviour = MockKey.Of(key);
        var counters = Stats.For(key.Length == 0 ? "(none)" : key);
        var concurrency = behaviour.Kind == MockKeyKind.Concurrency;
        var (callNumber, admitted) = concurrency ? counters.EnterWithin(behaviour.Number) : (counters.Enter().CallNumber, true);
        var ct = context.RequestAborted;
        var exited = !admitted;
        try
        {
            if (behaviour.Kind is MockKeyKind.WindowLimit or MockKeyKind.WindowLimitHeaders)
            {
                var window = TimeSpan.FromSeconds(behaviour.WindowSeconds);
                var now = _time.GetUtcNow();
                var (allowed, remaining, reset) = counters.TakeWindowCall(behaviour.Number, window, now);
                if (behaviour.Kind == MockKeyKind.WindowLimitHeaders)
                {
                    WriteWindowHeaders(context.Response, behaviour.Number, remaining, reset - now);
                }

                if (!allowed)
                {
                    await WriteBytesAsync(context, 429, ZaiErrors.BodyOf(1303, now));
                    return;
                }
            }

            if (!admitted)
            {
                counters.RefuseConcurrency();
            }

            var failure = TryFail(context, endpoint, behaviour, callNumber, admitted) ?? TryLeak(context, endpoint, behaviour, key, ct);
            if (failure is not null)
            {
                await failure;
                return;
            }

            var delay = HeaderMilliseconds(context.Request, "x-mock-delay-ms") ?? behaviour.Kind switch
            {
                MockKeyKind.Slow => _options.SlowDelay,
                MockKeyKind.Concurrency => _options.ConcurrencyHold,
                _ => TimeSpan.Zero,
            };
            if (delay > TimeSpan.Zero) await Task.Delay(delay, _time, ct);
            if (concurrency)
            {
                // Like a real provider, a call stops counting against the concurrency when its generation ends, before
                // the answer's last bytes are on their way; else the client's next call races this handler's end.
                counters.Exit();
                exited = true;
            }

            var parsed = await ReadRequestAsync(context.Request.BodyReader, endpoint, ct);
            if (parsed is null)
            {
                var bad = endpoint is MockEndpoint.Messages or MockEndpoint.CountTokens ? AnthropicWriter.BadJson : OpenAiWriter.BadJson;
                await WriteBytesAsync(context, StatusCodes.Status400BadRequest, bad);
                return;
            }

            if (behaviour.Kind == MockKeyKind.BudgetHeaders)
            {
                context.Response.Headers["x-ratelimit-limit-requests"] = "100";
                context.Response.Headers["x-ratelimit-remaining-requests"] = "0";
                context.Response.Headers["x-ratelimit-reset-requests"] = "20s";
            }

            await AnswerAsync(context, endpoint, parsed, key, behaviour, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The client went away: a real provider just stops too.
        }
        finally
        {
            if (!exited) counters.Exit();
        }
    }

    /// <summary>OpenAI's request headers; the reset as a Go-style duration in whole milliseconds.</summary>
    private static void WriteWindowHeaders(HttpResponse response, int limit, int remaining, TimeSpan reset)
    {
        var ms = (long)Math.Ceiling(Math.Max(reset.TotalMilliseconds, 0));
        response.Headers["x-ratelimit-limit-requests"] = limit.ToString(CultureInfo.InvariantCulture);
        response.Headers["x-ratelimit-remaining-requests"] = remaining.ToString(CultureInfo.InvariantCulture);
        response.Headers["x-ratelimit-reset-requests"] = ms.ToString(CultureInfo.InvariantCulture) + "ms";
    }

    /// <summary>The key's failure for this call, already being written; null when the call should be answered.</summary>
    private Task? TryFail(HttpContext context, MockEndpoint endpoint, MockKey behaviour, long callNumber, bool admitted)
    {
        var anthropic = endpoint is MockEndpoint.Messages or MockEndpoint.CountTokens;
        switch (behaviour.Kind)
        {
            case MockKeyKind.Unauthorized:
                return WriteBytesAsync(context, 401, anthropic ? AnthropicWriter.Unauthorized : OpenAiWriter.Unauthorized);
            case MockKeyKind.RateLimited:
                context.Response.Headers.RetryAfter = "30";
                return WriteBytesAsync(context, 429, anthropic ? AnthropicWriter.RateLimited : OpenAiWriter.RateLimited);
            case MockKeyKind.ServerError:
                return WriteBytesAsync(context, 500, anthropic ? AnthropicWriter.ServerError : OpenAiWriter.ServerError);
            case MockKeyKind.Flaky when callNumber % 2 == 0:
                return WriteBytesAsync(context, 503, anthropic ? AnthropicWriter.Unavailable : OpenAiWriter.Unavailable);
            case MockKeyKind.ZaiError:
                // Z.ai answers its business codes in this one shape on every endpoint, without rate-limit headers.
                return WriteBytesAsync(context, ZaiErrors.StatusOf(behaviour.Number), ZaiErrors.BodyOf(behaviour.Number, _time.GetUtcNow()));
            case MockKeyKind.ZaiErrorIn200:
                return WriteBytesAsync(context, StatusCodes.Status200OK, ZaiErrors.BodyOf(behaviour.Number, _time.GetUtcNow()));
            case MockKeyKind.Concurrency when !admitted:
                return WriteBytesAsync(context, 429, ZaiErrors.BodyOf(1302, _time.GetUtcNow()));
            case MockKeyKind.HtmlPage:
                return WriteBytesAsync(context, StatusCodes.Status200OK, HtmlPage, "text/html; charset=utf-8");
            case MockKeyKind.TruncatedJson:
                return WriteBytesAsync(context, StatusCodes.Status200OK, anthropic ? TruncatedMessage : TruncatedChat);
            case MockKeyKind.WrongContentType:
                return WriteBytesAsync(context, StatusCodes.Status200OK, PlainText, "text/plain; charset=utf-8");
            default:
                return null;
        }
    }

    /// <summary>The faults of <see cref="MockSecretFaults"/> and <see cref="MockStreamFaults"/>; null for any other key.</summary>
    private static Task? TryLeak(HttpContext context, MockEndpoint endpoint, MockKey behaviour, string key, CancellationToken ct)
    {
        var anthropic = endpoint is MockEndpoint.Messages or MockEndpoint.CountTokens;
        return behaviour.Kind switch
        {
            MockKeyKind.EchoKey => MockSecretFaults.EchoErrorAsync(context.Response, behaviour.Number, key, anthropic),
            MockKeyKind.EchoKeyMidStream => MockSecretFaults.EchoMidStreamAsync(context.Response, key, anthropic, ct),
            MockKeyKind.EndlessEvent => MockSecretFaults.EndlessEventAsync(context.Response, ct),
            MockKeyKind.StallBody => StallBodyAsync(context.Response, anthropic ? TruncatedMessage : TruncatedChat, ct),
            MockKeyKind.ErrorThenEnd => MockStreamFaults.ErrorThenEndAsync(context.Response, anthropic, ct),
            MockKeyKind.PythonStyleStream => MockStreamFaults.PythonStyleAsync(context.Response, anthropic, ct),
            _ => null,
        };
    }

    /// <summary>The headers and the first bytes of a body that promises more, then nothing until the client goes.</summary>
    private static async Task StallBodyAsync(HttpResponse response, byte[] start, CancellationToken ct)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json";
        response.ContentLength = start.Length + 100;
        await response.Body.WriteAsync(start, ct);
        await response.Body.FlushAsync(ct);
        await Task.Delay(Timeout.InfiniteTimeSpan, ct);
    }

    private Task AnswerAsync(HttpContext context, MockEndpoint endpoint, MockRequest request, string key, MockKey behaviour, CancellationToken ct)
    {
        if (endpoint == MockEndpoint.Embeddings)
        {
            var w = MockJson.Rent(out var buffer);
            OpenAiWriter.WriteEmbeddings(w, request);
            w.Flush();
            return WriteBytesAsync(context, StatusCodes.Status200OK, buffer.WrittenSpan);
        }

        if (endpoint == MockEndpoint.CountTokens)
        {
            var w = MockJson.Rent(out var buffer);
            AnthropicWriter.WriteCountTokens(w, request);
            w.Flush();
            return WriteBytesAsync(context, StatusCodes.Status200OK, buffer.WrittenSpan);
        }

        var chunks = Math.Clamp(HeaderInt(context.Request, "x-mock-chunks") ?? _options.DefaultChunks, 1, 100_000);
        if (endpoint == MockEndpoint.Completions) request.HasTools = false;
        var answer = MockAnswer.For(request, key, chunks);
        if (request.Stream)
        {
            var chunkDelay = HeaderMilliseconds(context.Request, "x-mock-chunk-delay-ms") ?? _options.DefaultChunkDelay;
            var stamp = HeaderInt(context.Request, "x-mock-stamp");
            request.StampSent = stamp is 1 or 2;
            request.StampContent = stamp == 2;
            return endpoint switch
            {
                MockEndpoint.Messages => StreamMessagesAsync(context, answer, request.Model, chunkDelay, behaviour.Kind, ct),
                MockEndpoint.Completions => StreamCompletionsAsync(context, answer, request.Model, chunkDelay, ct),
                MockEndpoint.Responses => StreamResponsesAsync(context, answer, request.Model, chunkDelay, ct),
                _ => StreamChatAsync(context, answer, request, chunkDelay, behaviour.Kind, ct),
            };
        }

        var writer = MockJson.Rent(out var body);
        switch (endpoint)
        {
            case MockEndpoint.Messages:
                AnthropicWriter.WriteMessage(writer, answer, request.Model, NextId("msg_mock_"));
                break;
            case MockEndpoint.Completions:
                OpenAiWriter.WriteTextCompletion(writer, answer, request.Model, NextId("cmpl-mock-"), UnixNow());
                break;
            case MockEndpoint.Responses:
                ResponsesWriter.WriteResponse(writer, answer, request.Model, NextId("resp_mock_"), UnixNow());
                break;
            default:
                OpenAiWriter.WriteChatCompletion(writer, answer, request.Model, NextId("chatcmpl-mock-"), UnixNow());
                break;
        }

        writer.Flush();
        return WriteBytesAsync(context, StatusCodes.Status200OK, body.WrittenSpan);
    }

    private static async ValueTask<MockRequest?> ReadRequestAsync(PipeReader reader, MockEndpoint endpoint, CancellationToken ct)
    {
        while (true)
        {
            var result = await reader.ReadAsync(ct);
            if (!result.IsCompleted)
            {
                reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
                continue;
            }

            try
            {
                return Parse(result.Buffer, endpoint);
            }
            finally
            {
                reader.AdvanceTo(result.Buffer.End);
            }
        }
    }

    private static MockRequest? Parse(ReadOnlySequence<byte> body, MockEndpoint endpoint) => endpoint switch
    {
        MockEndpoint.Messages or MockEndpoint.CountTokens => MockRequestParser.ParseAnthropic(body),
        MockEndpoint.Embeddings => MockRequestParser.ParseEmbeddings(body),
        MockEndpoint.Responses => MockRequestParser.ParseResponses(body),
        _ => MockRequestParser.ParseOpenAi(body),
    };

    /// <summary>Copies <paramref name="body"/> into the response pipe before returning, so a reused buffer is free again.</summary>
    private static Task WriteBytesAsync(HttpContext context, int status, ReadOnlySpan<byte> body, string contentType = "application/json")
    {
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = contentType;
        response.ContentLength = body.Length;
        response.BodyWriter.Write(body);
        var flush = response.BodyWriter.FlushAsync(CancellationToken.None);
        return flush.IsCompletedSuccessfully ? Task.CompletedTask : flush.AsTask();
    }

    /// <summary><c>Authorization: Bearer K</c> first (Claude Code may send both), then <c>x-api-key</c>.</summary>
    private static string KeyOf(HttpRequest request)
    {
        var authorization = request.Headers.Authorization;
        if (authorization.Count > 0 && authorization[0] is { } value && value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return value[7..].Trim();
        }

        return request.Headers["x-api-key"].Count > 0 ? request.Headers["x-api-key"][0]?.Trim() ?? "" : "";
    }

    private static int? HeaderInt(HttpRequest request, string name)
    {
        var values = request.Headers[name];
        return values.Count > 0 && int.TryParse(values[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : null;
    }

    private static TimeSpan? HeaderMilliseconds(HttpRequest request, string name) =>
        HeaderInt(request, name) is { } ms ? TimeSpan.FromMilliseconds(Math.Max(0, ms)) : null;
}
