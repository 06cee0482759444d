using System.Diagnostics;
using System.Text.Json.Nodes;
using Switchboard.Config;
using Switchboard.IntegrationTests.Infrastructure;
using Switchboard.MockProvider;
using static Switchboard.IntegrationTests.MockProvider.MockProviderHarness;
using static Switchboard.IntegrationTests.Upstream.UpstreamFaultKit;

namespace Switchboard.IntegrationTests.MockProvider;

/// <summary>
/// <c>x-mock-stamp: 1</c>: each OpenAI chat chunk carries its send time (<c>mock_sent_ticks</c>) for bench/StreamLatency; without
/// the header the chunks are unchanged; the gateway's OpenAI passthrough relays the field.
/// </summary>
public sealed class MockProviderStampTests(MockProviderHarness mock) : IClassFixture<MockProviderHarness>
{
    private const string Field = "mock_sent_ticks";

    [Fact]
    public async Task ChatStream_WithoutStampHeader_HasNoSendTime()
    {
        var body = Chat("glm-4.6", "hi", stream: true, extra: ""","stream_options":{"include_usage":true}""");
        using var response = await mock.PostAsync("/v1/chat/completions", "ok-stamp-off", body, ("x-mock-chunks", "4"));

        var chunks = Chunks(await response.Content.ReadAsStringAsync());
        Assert.Equal(4 + 2, chunks.Count);
        Assert.All(chunks, c => Assert.Null(c[Field]));
    }

    [Fact]
    public async Task ChatStream_WithStampHeader_EveryChunkHasMonotonicSendTimeAndIsOtherwiseUnchanged()
    {
        var body = Chat("glm-4.6", "hi", stream: true, extra: ""","stream_options":{"include_usage":true}""");
        var before = Stopwatch.GetTimestamp();
        using var stamped = await mock.PostAsync("/v1/chat/completions", "ok-stamp-on", body, ("x-mock-chunks", "4"), ("x-mock-stamp", "1"));
        var stampedChunks = Chunks(await stamped.Content.ReadAsStringAsync());
        var after = Stopwatch.GetTimestamp();
        using var plain = await mock.PostAsync("/v1/chat/completions", "ok-stamp-on", body, ("x-mock-chunks", "4"));
        var plainChunks = Chunks(await plain.Content.ReadAsStringAsync());

        // Every chunk (content, finish, usage) is stamped, in order, within the call (same host, same monotonic clock).
        Assert.Equal(plainChunks.Count, stampedChunks.Count);
        var ticks = stampedChunks.Select(c => c[Field]!.GetValue<long>()).ToList();
        Assert.All(ticks, t => Assert.InRange(t, before, after));
        Assert.Equal(ticks.Order(), ticks);

        // Take the stamp (and the per-call id) away: the rest is what an unstamped call sends, field for field.
        for (var i = 0; i < stampedChunks.Count; i++)
        {
            stampedChunks[i].Remove(Field);
            foreach (var chunk in (JsonObject[])[stampedChunks[i], plainChunks[i]])
            {
                chunk["id"] = "x";
                chunk["created"] = 0;
            }

            Assert.Equal(plainChunks[i].ToJsonString(), stampedChunks[i].ToJsonString());
        }
    }

    [Fact]
    public async Task ChatStream_StampHeaderOtherThanOne_HasNoSendTime()
    {
        using var response = await mock.PostAsync("/v1/chat/completions", "ok-stamp-2", Chat("m", "hi", stream: true), ("x-mock-stamp", "0"));

        Assert.All(Chunks(await response.Content.ReadAsStringAsync()), c => Assert.Null(c[Field]));
    }

    [Fact]
    public async Task ChatStream_ThroughGatewayWithStampInExtraHeaders_RelaysSendTime()
    {
        var deployment = Key(mock.Server, "openai", "ok-stamp-gw", 1) with
        {
            ExtraHeaders = new Dictionary<string, string> { ["x-mock-chunks"] = "5", ["x-mock-stamp"] = "1" },
        };
        await using var gateway = await TestGateway.StartAsync(Pool(new RouterSettings(), deployment));

        using var response = await gateway.Client.SendAsync(Call("openai", stream: true));
        var chunks = Chunks(await response.Content.ReadAsStringAsync());

        Assert.True(chunks.Count >= 5 + 1, $"{chunks.Count} chunks");
        Assert.All(chunks, c => Assert.True(c[Field]!.GetValue<long>() > 0));
    }

    private static List<JsonObject> Chunks(string sse) =>
        MockProviderHarness.ParseSse(sse).Where(e => e.Data != "[DONE]").Select(e => JsonNode.Parse(e.Data)!.AsObject()).ToList();
}
