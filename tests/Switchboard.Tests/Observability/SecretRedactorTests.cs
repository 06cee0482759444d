using System.Text;
using Switchboard.Config;
using Switchboard.Observability;
using Switchboard.Upstream;

namespace Switchboard.Tests.Observability;

public sealed class SecretRedactorTests
{
    private const string KeyA = "sk-AAAAsecretAAAAAAAAAAAAAAAAAAAAAAA1";
    private const string KeyB = "sk-BBBBsecretBBBBBBBBBBBBBBBBBBBBBBB2";

    private static readonly SecretRedactor Redactor = new([KeyA, KeyB]);

    [Theory]
    [InlineData(KeyA + " was refused")]
    [InlineData("refused: " + KeyA)]
    [InlineData("the key " + KeyA + " was refused")]
    [InlineData(KeyA)]
    public void Redact_KeyAtStartEndOrMiddle_IsMasked(string text)
    {
        var redacted = Redactor.Redact(text);

        Assert.DoesNotContain(KeyA, redacted, StringComparison.Ordinal);
        Assert.DoesNotContain("AAAAsecret", redacted, StringComparison.Ordinal);
        Assert.Contains(KeyMask.Mask(KeyA), redacted, StringComparison.Ordinal);
    }

    [Fact]
    public void Redact_SeveralKeysSeveralTimes_MasksEveryOne()
    {
        var redacted = Redactor.Redact($"{KeyB}|{KeyA}|{KeyA}{KeyB}|end");

        Assert.Equal($"{KeyMask.Mask(KeyB)}|{KeyMask.Mask(KeyA)}|{KeyMask.Mask(KeyA)}{KeyMask.Mask(KeyB)}|end", redacted);
    }

    [Fact]
    public void Redact_OverlappingKeys_LeavesNoFragmentOfEither()
    {
        // The tail of one key is the head of the other: masking the first alone would leave the rest of the second.
        const string first = "sk-overlapAAAAAAAAAAAAAAshared0123456789";
        const string second = "shared0123456789BBBBBBBBBBBBBBBBBtail";
        var redactor = new SecretRedactor([first, second]);

        var redacted = redactor.Redact("x sk-overlapAAAAAAAAAAAAAAshared0123456789BBBBBBBBBBBBBBBBBtail y");

        Assert.DoesNotContain("AAAAAAAA", redacted, StringComparison.Ordinal);
        Assert.DoesNotContain("BBBBBBBB", redacted, StringComparison.Ordinal);
        Assert.DoesNotContain("shared0123", redacted, StringComparison.Ordinal);
        Assert.StartsWith("x ", redacted, StringComparison.Ordinal);
        Assert.EndsWith(" y", redacted, StringComparison.Ordinal);
    }

    [Fact]
    public void Redact_KeyThatIsPrefixOfAnother_MasksTheLongerWhole()
    {
        const string shortKey = "sk-prefix-0123456789";
        const string longKey = shortKey + "-and-more-secret";
        var redacted = new SecretRedactor([shortKey, longKey]).Redact("k=" + longKey + ".");

        Assert.Equal("k=" + KeyMask.Mask(longKey) + ".", redacted);
    }

    [Fact]
    public void Redact_NoSecret_ReturnsTheSameInstance()
    {
        var text = "nothing to hide here, sk-AAAA but not a whole key";
        Assert.Same(text, Redactor.Redact(text));
    }

    [Fact]
    public void RedactAndTruncate_KeySplitByTheCut_LeavesNoPartOfIt()
    {
        // The cut falls in the middle of the key: redacting after cutting would miss it and pass its first half on.
        var text = new string('x', 480) + KeyA + new string('y', 100);

        var redacted = Redactor.RedactAndTruncate(text, 500);

        Assert.DoesNotContain("AAAAsecret", redacted, StringComparison.Ordinal);
        Assert.True(redacted.Length <= 501);
    }

    [Fact]
    public void Classify_ErrorBodyEchoingAKeyPastTheCut_MasksItBeforeCutting()
    {
        var redactor = new SecretRedactor([KeyA]);
        var body = "{\"error\":{\"message\":\"" + new string('x', 490) + " " + KeyA + "\",\"code\":\"" + KeyA + "\"}}";

        var failure = FailureClassifier.Classify("openai", 401, _ => null, Encoding.UTF8.GetBytes(body), DateTimeOffset.UnixEpoch, redactor);

        Assert.DoesNotContain("AAAAsecret", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("AAAAsecret", failure.ProviderCode, StringComparison.Ordinal);
    }

    [Fact]
    public void RedactUtf8_KeyAmongMultiByteText_IsMaskedAndTheRestKept()
    {
        var bytes = Encoding.UTF8.GetBytes($"data: {{\"error\":\"clé refusée ✓ {KeyB} — 日本\"}}\n\n");

        var redacted = Encoding.UTF8.GetString(Redactor.RedactUtf8(bytes).Span);

        Assert.Equal($"data: {{\"error\":\"clé refusée ✓ {KeyMask.Mask(KeyB)} — 日本\"}}\n\n", redacted);
    }

    [Fact]
    public void RedactUtf8_NoSecret_ReturnsTheInputItself()
    {
        ReadOnlyMemory<byte> bytes = "data: {\"error\":\"none\"}"u8.ToArray();
        Assert.True(Redactor.RedactUtf8(bytes).Span == bytes.Span);
    }

    [Fact]
    public void Constructor_ShortPlaceholders_AreNotSecrets()
    {
        var redactor = new SecretRedactor(["none", "sk-1234", "flaky-s3", "sk-test-key", null, ""]);

        Assert.Equal(0, redactor.Count);
        Assert.Equal("none sk-1234", redactor.Redact("none sk-1234"));
    }

    [Fact]
    public void For_Config_CoversEveryKeyTheMasterKeyAndUrlPasswords()
    {
        var config = new GatewayConfig
        {
            ModelList = [Deployment("a", KeyA), Deployment("b", KeyB)],
            General = new GeneralSettings { MasterKey = "sk-master-key-secret-1", DatabaseUrl = "postgresql://app:db-password-secret@db:5432/x" },
            Router = new RouterSettings { RedisPassword = "redis-password-secret" },
        };

        var redacted = ConfigSecrets.RedactorFor(config).Redact($"{KeyA} {KeyB} sk-master-key-secret-1 db-password-secret redis-password-secret");

        Assert.DoesNotContain("secret", redacted, StringComparison.Ordinal);
        Assert.Same(ConfigSecrets.RedactorFor(config), ConfigSecrets.RedactorFor(config));
    }

    [Fact]
    public void ToString_RecordsHoldingSecrets_PrintThemMasked()
    {
        var deployment = Deployment("a", KeyA);
        var general = new GeneralSettings { MasterKey = "sk-master-key-secret-1", DatabaseUrl = "postgresql://app:db-password-secret@db:5432/x" };
        var router = new RouterSettings { RedisPassword = "redis-password-secret", RedisUrl = "redis://:redis-url-secret@cache:6379" };
        var config = new GatewayConfig { ModelList = [deployment], General = general, Router = router };
        var cli = new Switchboard.Cli.CliSettings("http://x", "sk-master-key-secret-1", null, "postgresql://app:db-password-secret@db/x");

        foreach (var text in new[] { deployment.ToString(), general.ToString(), router.ToString(), config.ToString(), cli.ToString() })
        {
            Assert.DoesNotContain("secret", text, StringComparison.Ordinal);
        }

        Assert.Contains("ApiKey = " + KeyMask.Mask(KeyA), deployment.ToString(), StringComparison.Ordinal);
        Assert.Contains("ModelName = g-a", deployment.ToString(), StringComparison.Ordinal);
    }

    private static DeploymentConfig Deployment(string id, string key) => new()
    {
        Index = 0,
        ModelName = "g-" + id,
        Id = id,
        Provider = "openai",
        UpstreamModel = "glm-4.6",
        ApiBase = "http://upstream",
        ApiKey = key,
        ExtraHeaders = new Dictionary<string, string> { ["x-custom-auth"] = "header-secret" },
    };
}
