using System.Text.Json;
using Switchboard.Admin;
using Switchboard.Auth;
using Switchboard.Cli;
using Switchboard.Storage;

namespace Switchboard.Tests.Cli;

public sealed class KeysCommandTests
{
    private static readonly DateTimeOffset Created = new(2025, 1, 2, 3, 4, 5, TimeSpan.Zero);

    private static VirtualKeyRecord Key(string raw, string? alias) => new()
    {
        KeyHash = KeyHasher.Hash(raw),
        KeyPreview = KeyHasher.Mask(raw),
        KeyAlias = alias,
        CreatedAt = Created,
        UpdatedAt = Created,
    };

    [Fact]
    public void FormatList_Keys_MaskedAlignedRowsWithoutRawKeys()
    {
        const string raw = "sk-abcdefghijklmnopqrstuvwxyz0123456789ABCD";
        var limited = Key(raw, "alice") with
        {
            Models = ["glm-pool", "other"],
            Spend = 0.25,
            MaxBudget = 10,
            RpmLimit = 60,
            TpmLimit = 100000,
            Blocked = true,
            ExpiresAt = Created.AddDays(30),
        };
        var open = Key("sk-zyxwvutsrqponmlkjihgfedcba9876543210WXYZ", null);

        var lines = KeysCommand.FormatList([limited, open]).Split('\n');

        Assert.Equal(
            "ALIAS  KEY         TOKEN         MODELS          SPEND/BUDGET     RPM/TPM  PARALLEL  BLOCKED  EXPIRES (UTC)     CREATED (UTC)",
            lines[0]);
        Assert.Equal(
            $"alice  sk-...ABCD  {limited.KeyHash[..12]}  glm-pool,other    0.25/10.00  60/100,000         -  yes      2025-02-01 03:04  2025-01-02 03:04",
            lines[1]);
        Assert.StartsWith($"-      sk-...WXYZ  {open.KeyHash[..12]}  all                   0.00/-         -/-         -  no       -", lines[2],
            StringComparison.Ordinal);
        Assert.DoesNotContain(raw, string.Join('\n', lines), StringComparison.Ordinal);
    }

    [Fact]
    public void Describe_WithSpend_ShowsRemainingBudgetAndNoRawKey()
    {
        const string raw = "sk-abcdefghijklmnopqrstuvwxyz0123456789ABCD";
        var key = Key(raw, "alice") with { Spend = 2.5, MaxBudget = 10, BudgetDuration = "30d" };

        var text = KeysCommand.Describe(key, withSpend: true);

        Assert.Contains("budget:    10.00 USD every 30d (7.50 left)\n", text, StringComparison.Ordinal);
        Assert.Contains("spend:     2.50 USD\n", text, StringComparison.Ordinal);
        Assert.Contains("expires:   never\n", text, StringComparison.Ordinal);
        Assert.Contains("token:     " + key.KeyHash, text, StringComparison.Ordinal);
        Assert.DoesNotContain(raw, text, StringComparison.Ordinal);
    }

    [Fact]
    public void SplitModels_CommaListsAndRepeats_FlattenedDistinct()
    {
        Assert.Equal(["a", "b", "c"], KeysCommand.SplitModels(["a,b", " c ", "a"]));
        Assert.Empty(KeysCommand.SplitModels(null));
    }

    [Fact]
    public void ToGenerateBody_AllFields_ParsedByTheEndpointRequestReader()
    {
        var spec = new CliKeySpec
        {
            Alias = "alice",
            Models = ["glm-pool"],
            MaxBudget = 2.5,
            BudgetDuration = "30d",
            Rpm = 60,
            Tpm = 1000,
            MaxParallel = 2,
            Duration = "7d",
        };

        using var doc = JsonDocument.Parse(spec.ToGenerateBody());
        var request = KeysRequest.Parse(doc.RootElement, out var error);
        var key = request!.ApplyTo(Key("sk-abcdefghijklmnopqrstuvwxyz", null), Created, out error);

        Assert.Null(error);
        Assert.Equal("alice", key!.KeyAlias);
        Assert.Equal(["glm-pool"], key.Models);
        Assert.Equal((2.5, "30d", 60, 1000, 2), (key.MaxBudget!.Value, key.BudgetDuration!, key.RpmLimit!.Value, key.TpmLimit!.Value,
            key.MaxParallelRequests!.Value));
        Assert.Equal(Created.AddDays(7), key.ExpiresAt);
    }

    [Fact]
    public void ToGenerateBody_Empty_EmptyObject() =>
        Assert.Equal("{}", System.Text.Encoding.UTF8.GetString(new CliKeySpec().ToGenerateBody()));

    [Fact]
    public void ReadKey_WhatTheEndpointWrites_SameRecord()
    {
        var key = Key("sk-abcdefghijklmnopqrstuvwxyz", "alice") with
        {
            Models = ["m"],
            MaxBudget = 3,
            BudgetDuration = "1d",
            BudgetResetAt = Created.AddDays(1),
            RpmLimit = 1,
            TpmLimit = 2,
            MaxParallelRequests = 3,
            ExpiresAt = Created.AddDays(9),
            Blocked = true,
            Spend = 0.5,
        };
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            KeysJson.WriteKeyFields(writer, key, key.Spend, null);
            writer.WriteEndObject();
        }

        using var doc = JsonDocument.Parse(stream.ToArray());
        var read = CliJson.ReadKey(doc.RootElement);

        Assert.Equal(key with { Models = [] }, read with { Models = [] });
        Assert.Equal(key.Models, read.Models);
    }

    [Theory]
    [InlineData("""{"error":{"message":"No such key.","type":"not_found_error"}}""", "No such key.")]
    [InlineData("plain text failure", "plain text failure")]
    public void ErrorMessage_Body_MessageExtracted(string body, string expected) =>
        Assert.Equal(expected, CliJson.ErrorMessage(System.Text.Encoding.UTF8.GetBytes(body)));
}
