using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Switchboard.Api;
using Switchboard.Config;
using Switchboard.IntegrationTests.Infrastructure;

namespace Switchboard.IntegrationTests.Telemetry;

/// <summary>OpenTelemetry spans exported over OTLP/HTTP to a real in-test collector, and the traceparent sent upstream.</summary>
public sealed class TracingTests
{
    private const string ClientTraceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    private const string ClientSpanId = "00f067aa0ba902b7";

    [Fact]
    public async Task Failover_ExportsCallSpanWithAttemptSpans_AndUpstreamGotTraceparent()
    {
        var exported = new ConcurrentQueue<OtlpSpan>();
        await using var collector = await LoopbackUpstream.StartAsync(app => app.MapPost("/v1/traces", async context =>
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer);
            foreach (var span in OtlpTraceDecoder.Decode(buffer.ToArray()))
            {
                exported.Enqueue(span);
            }

            context.Response.ContentType = "application/x-protobuf";
        }));
        var upstreamCalls = new ConcurrentQueue<(string Key, string TraceParent)>();
        await using var upstream = await LoopbackUpstream.StartAsync(app => app.MapPost("/v1/chat/completions", async context =>
        {
            var key = context.Request.Headers.Authorization.ToString()["Bearer ".Length..];
            upstreamCalls.Enqueue((key, context.Request.Headers["traceparent"].ToString()));
            context.Response.ContentType = "application/json";
            if (key == "limited-key-0001")
            {
                context.Response.StatusCode = 429;
                context.Response.Headers.RetryAfter = "30";
                await context.Response.WriteAsync("""{"error":{"message":"Rate limit reached","type":"rate_limit_error"}}""");
                return;
            }

            await context.Response.WriteAsync("""{"id":"c1","object":"chat.completion","created":1,"model":"glm-4.6","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],"usage":{"prompt_tokens":11,"completion_tokens":3,"total_tokens":14}}""");
        }));

        var config = new GatewayConfig
        {
            ModelList =
            [
                Configs.Http("pool", "d-limited", upstream.BaseUrl, "limited-key-0001", index: 0) with { Order = 1 },
                Configs.Http("pool", "d-good", upstream.BaseUrl, "good-key-000002", index: 1) with { Order = 2 },
            ],
            Router = new RouterSettings { RoutingStrategy = "order", NumRetries = 2 },
        };
        var database = Path.Combine(Path.GetTempPath(), "switchboard-trace-" + Guid.NewGuid().ToString("N") + ".db");
        var app = await GatewayHost.BuildAsync(config, new GatewayOptions
        {
            Host = "127.0.0.1",
            Port = 0,
            DatabasePath = database,
            TracesEndpoint = collector.BaseUrl,
        }, _ => { });
        await app.StartAsync();
        try
        {
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            using var client = new HttpClient { BaseAddress = new Uri(address) };
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
            {
                Content = new StringContent("""{"model":"pool","messages":[{"role":"user","content":"hello"}]}""", Encoding.UTF8, "application/json"),
            };
            request.Headers.Add("traceparent", $"00-{ClientTraceId}-{ClientSpanId}-01");
            using var response = await client.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        finally
        {
            // Stopping the host flushes the batch exporter.
            await app.StopAsync();
            await app.DisposeAsync();
            foreach (var suffix in new[] { "", "-wal", "-shm" })
            {
                File.Delete(database + suffix);
            }
        }

        var spans = exported.Where(s => s.TraceId == ClientTraceId).ToList();
        var call = Assert.Single(spans, s => s.ParentSpanId == ClientSpanId);
        Assert.Equal("chat pool", call.Name);
        Assert.Equal(2, call.Kind); // SERVER
        Assert.Equal("chat", call["gen_ai.operation.name"]);
        Assert.Equal("pool", call["gen_ai.request.model"]);
        Assert.Equal("glm-4.6", call["gen_ai.response.model"]);
        Assert.Equal(11L, call["gen_ai.usage.input_tokens"]);
        Assert.Equal(3L, call["gen_ai.usage.output_tokens"]);
        Assert.Equal(200L, call["http.response.status_code"]);
        Assert.Equal(1L, call["switchboard.retries"]);

        var attempts = spans.Where(s => s.ParentSpanId == call.SpanId).ToList();
        Assert.Equal(2, attempts.Count);
        var failed = Assert.Single(attempts, a => (string?)a["switchboard.deployment.id"] == "d-limited");
        var served = Assert.Single(attempts, a => (string?)a["switchboard.deployment.id"] == "d-good");
        Assert.Equal(3, failed.Kind); // CLIENT
        Assert.Equal(429L, failed["http.response.status_code"]);
        Assert.Equal("RateLimited", failed["error.type"]);
        Assert.Equal(true, failed["switchboard.cooldown"]);
        Assert.True((double)failed["switchboard.cooldown_seconds"]! > 0);
        Assert.Equal(2, failed.StatusCode); // ERROR
        Assert.Equal(200L, served["http.response.status_code"]);
        Assert.Equal("RateLimited", served["switchboard.retry_reason"]);
        Assert.Equal(1L, served["switchboard.retry"]);
        var maskedKey = (string)failed["switchboard.deployment.key"]!;
        Assert.NotEqual("limited-key-0001", maskedKey);
        Assert.Equal("…0001", maskedKey);
        Assert.DoesNotContain(spans.SelectMany(s => s.Attributes.Values).OfType<string>(), v => v.Contains("limited-key-0001", StringComparison.Ordinal) || v.Contains("good-key-000002", StringComparison.Ordinal));

        // Each upstream request carried the trace; its parent is the HTTP client span under that attempt's span.
        var sent = upstreamCalls.ToList();
        Assert.Equal(2, sent.Count);
        foreach (var (attempt, key) in new[] { (failed, "limited-key-0001"), (served, "good-key-000002") })
        {
            var traceparent = sent.Single(c => c.Key == key).TraceParent.Split('-');
            Assert.Equal(["00", ClientTraceId], traceparent[..2]);
            var http = Assert.Single(spans, s => s.SpanId == traceparent[2]);
            Assert.Equal(attempt.SpanId, http.ParentSpanId);
        }
    }
}
