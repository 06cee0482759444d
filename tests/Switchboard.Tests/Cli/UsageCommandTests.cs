using Switchboard.Cli;
using Switchboard.Storage;

namespace Switchboard.Tests.Cli;

public sealed class UsageCommandTests
{
    private static readonly DateTimeOffset T0 = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static UsageRecord Record(string? hash, string? alias, string group, string deployment, double cost,
        int status = 200, long prompt = 10, long completion = 5, string? error = null) => new()
        {
            Time = T0,
            RequestId = Guid.NewGuid().ToString("N"),
            KeyHash = hash,
            KeyAlias = alias,
            ModelGroup = group,
            DeploymentId = deployment,
            HttpStatus = status,
            ErrorClass = error,
            PromptTokens = prompt,
            CompletionTokens = completion,
            Cost = cost,
        };

    [Fact]
    public void Aggregate_ByKey_SumsPerKeySortedByCostDescending()
    {
        UsageRecord[] records =
        [
            Record("aaa", "alice", "glm", "d1", 0.01),
            Record("bbb", "bob", "glm", "d1", 0.05),
            Record("aaa", "alice", "glm", "d2", 0.02, status: 429, prompt: 0, completion: 0, error: "rate_limited"),
            Record(null, null, "glm", "d2", 0.001),
        ];

        var rows = UsageCommand.Aggregate(records, "key");

        Assert.Equal(["bob", "alice", "(master key / open)"], rows.Select(r => r.Name));
        var alice = rows[1];
        Assert.Equal((2L, 1L, 10L, 5L), (alice.Requests, alice.Failures, alice.TokensIn, alice.TokensOut));
        Assert.Equal(0.03, alice.Cost, 9);
    }

    [Fact]
    public void Aggregate_ByKeyWithoutAlias_NamedByShortToken()
    {
        var hash = new string('c', 64);

        var rows = UsageCommand.Aggregate([Record(hash, null, "glm", "d1", 0.01)], "key");

        Assert.Equal("token cccccccccccc", Assert.Single(rows).Name);
    }

    [Fact]
    public void Aggregate_ByDeployment_OneRowPerDeploymentWithGroup()
    {
        var rows = UsageCommand.Aggregate(
            [Record("a", "x", "glm", "d1", 0.01), Record("a", "x", "glm", "d2", 0.03), Record("b", "y", "glm", "d1", 0.01)], "deployment");

        Assert.Equal(["d2 (glm)", "d1 (glm)"], rows.Select(r => r.Name));
        Assert.Equal(2, rows[1].Requests);
    }

    [Fact]
    public void Aggregate_EqualCost_MoreRequestsFirstThenName()
    {
        var rows = UsageCommand.Aggregate(
            [Record("a", "a", "m1", "d", 0), Record("a", "a", "m2", "d", 0), Record("a", "a", "m2", "d", 0), Record("a", "a", "m0", "d", 0)],
            "model");

        Assert.Equal(["m2", "m0", "m1"], rows.Select(r => r.Name));
    }

    [Fact]
    public void Format_TwoRows_AlignedWithTotal()
    {
        var text = UsageCommand.Format(
            [new UsageCommand.Row("bob", 1200, 3, 45000, 1234, 1.5), new UsageCommand.Row("alice", 2, 0, 20, 10, 0.0042)], "key");

        Assert.Equal(
            """
            KEY    REQUESTS  FAILURES  TOKENS IN  TOKENS OUT  COST USD
            bob       1,200         3     45,000       1,234      1.50
            alice         2         0         20          10    0.0042
            TOTAL     1,202         3     45,020       1,244    1.5042

            """.ReplaceLineEndings("\n"), text);
    }

    [Theory]
    [InlineData(200, null, false)]
    [InlineData(302, null, false)]
    [InlineData(429, "rate_limited", true)]
    [InlineData(500, null, true)]
    [InlineData(200, "stream_broken", true)]
    public void IsFailure_StatusAndErrorClass_Classified(int status, string? error, bool expected) =>
        Assert.Equal(expected, UsageCommand.IsFailure(Record("a", "a", "m", "d", 0, status, error: error)));
}
