using Switchboard.Storage;
using Switchboard.Usage;

namespace Switchboard.Tests.Usage;

public sealed class PendingUsageTests
{
    private static readonly UsageRecord Full = new()
    {
        Time = new DateTimeOffset(2026, 11, 25, 23, 0, 0, 123, TimeSpan.FromHours(2)),
        RequestId = "0123456789abcdef0123456789abcdef",
        KeyHash = new string('a', 64),
        KeyAlias = "équipe-🚀",
        ModelGroup = "glm-pool",
        DeploymentId = "dd63dbefa814",
        UpstreamModel = "glm-4.6",
        HttpStatus = 429,
        ErrorClass = "rate_limited",
        Retries = 2,
        PromptTokens = 1_234_567_890_123,
        CompletionTokens = 42,
        CachedTokens = 7,
        TokensEstimated = true,
        Cost = 0.000_123_4,
        LatencyMs = 1_234.5,
        TtftMs = 56.25,
        Stream = true,
        Api = "anthropic",
    };

    [Fact]
    public void ToRecord_EveryField_ComesBackEqual() =>
        Assert.Equal(Full, new PendingUsage(Full).ToRecord());

    [Fact]
    public void ToRecord_NullsAndDefaults_ComeBackEqual()
    {
        var sparse = new UsageRecord { Time = Full.Time, RequestId = "", ModelGroup = "g" };
        Assert.Equal(sparse, new PendingUsage(sparse).ToRecord());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(PendingUsage.InlineIdLength - 1)]
    [InlineData(PendingUsage.InlineIdLength)]
    [InlineData(PendingUsage.InlineIdLength + 1)]
    [InlineData(128)]
    public void ToRecord_RequestIdInlineOrNot_ComesBackExactly(int length)
    {
        // Client-sent ids (x-litellm-call-id) may be up to 128 characters, any text.
        var id = string.Concat(Enumerable.Range(0, length).Select(i => (char)('ü' + (i % 7))));
        var record = Full with { RequestId = id };

        var back = new PendingUsage(record).ToRecord();

        Assert.Equal(id, back.RequestId);
        Assert.Equal(record, back);
    }

    [Fact]
    public void PendingBatch_FirstCountRecords_ReadByIndexAndInOrder()
    {
        var buffer = Enumerable.Range(0, 5).Select(i => new PendingUsage(Full with { RequestId = "req-" + i })).ToList();

        var batch = new PendingBatch(buffer, 3);

        Assert.Equal(3, batch.Count);
        Assert.Equal(["req-0", "req-1", "req-2"], batch.Select(r => r.RequestId));
        Assert.Equal(Full with { RequestId = "req-2" }, batch[2]);
        Assert.Throws<ArgumentOutOfRangeException>(() => batch[3]);
        Assert.Throws<ArgumentOutOfRangeException>(() => batch[-1]);
    }
    [Fact]
    public void Initializer_EveryField_SameAsFromTheRecord()
    {
        // The proxy endpoint queues its usage this way, with no record object per call.
        var pending = new PendingUsage
        {
            Time = Full.Time,
            RequestId = Full.RequestId,
            KeyHash = Full.KeyHash,
            KeyAlias = Full.KeyAlias,
            ModelGroup = Full.ModelGroup,
            DeploymentId = Full.DeploymentId,
            UpstreamModel = Full.UpstreamModel,
            HttpStatus = Full.HttpStatus,
            ErrorClass = Full.ErrorClass,
            Retries = Full.Retries,
            PromptTokens = Full.PromptTokens,
            CompletionTokens = Full.CompletionTokens,
            CachedTokens = Full.CachedTokens,
            CacheCreationTokens = Full.CacheCreationTokens,
            TokensEstimated = Full.TokensEstimated,
            Cost = Full.Cost,
            LatencyMs = Full.LatencyMs,
            TtftMs = Full.TtftMs,
            Stream = Full.Stream,
            CacheHit = Full.CacheHit,
            Api = Full.Api,
        };

        Assert.Equal(Full, pending.ToRecord());
    }

    [Fact]
    public void Initializer_LongRequestId_KeptWhole()
    {
        var id = new string('x', PendingUsage.InlineIdLength + 9);

        var pending = new PendingUsage { Time = Full.Time, RequestId = id, ModelGroup = "g", Api = "openai" };

        Assert.Equal(id, pending.RequestId);
        Assert.Equal(id, pending.ToRecord().RequestId);
    }
}
