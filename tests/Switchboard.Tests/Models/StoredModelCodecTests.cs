using System.Text.Json.Nodes;
using Switchboard.Models;

namespace Switchboard.Tests.Models;

public sealed class StoredModelCodecTests
{
    private static readonly ModelSecretBox Box = new("sk-master-codec-000000", "test");

    [Theory]
    [InlineData("api_key", true)]
    [InlineData("extra_headers", true)]
    [InlineData("aws_secret_access_key", true)]
    [InlineData("vertex_credentials", true)]
    [InlineData("azure_ad_token", true)]
    [InlineData("model", false)]
    [InlineData("api_base", false)]
    [InlineData("max_tokens", false)]
    [InlineData("rpm", false)]
    public void IsSecret_ParamNames_KeysHeadersAndCredentialsOnly(string name, bool expected) =>
        Assert.Equal(expected, StoredModelCodec.IsSecret(name));

    [Fact]
    public void SealOpen_SecretsSealedOthersKept_RoundTrips()
    {
        var plain = JsonNode.Parse("""{"model":"openai/glm-4.6","api_base":"http://x/v1","api_key":"sk-plain-123456","rpm":5,"extra_headers":{"X-Token":"hdr-secret-9"}}""")!.AsObject();

        var stored = StoredModelCodec.Seal(plain, "dep-1", Box);
        var opened = StoredModelCodec.Open(stored, "dep-1", Box);

        Assert.DoesNotContain("sk-plain-123456", stored, StringComparison.Ordinal);
        Assert.DoesNotContain("hdr-secret-9", stored, StringComparison.Ordinal);
        Assert.Contains("\"api_base\":\"http://x/v1\"", stored, StringComparison.Ordinal);
        Assert.Contains("\"rpm\":5", stored, StringComparison.Ordinal);
        Assert.True(JsonNode.DeepEquals(plain, opened));
    }

    [Fact]
    public void Masked_KeyMaskedReferenceShownHeadersHidden()
    {
        var plain = JsonNode.Parse("""{"model":"openai/x","api_key":"sk-plain-abcdef123456","aws_secret_access_key":"os.environ/AWS_SECRET","extra_headers":{"X-Token":"hdr-secret-9"}}""")!.AsObject();

        var shown = StoredModelCodec.Masked(plain).ToJsonString();

        Assert.DoesNotContain("sk-plain-abcdef123456", shown, StringComparison.Ordinal);
        Assert.DoesNotContain("hdr-secret-9", shown, StringComparison.Ordinal);
        Assert.Contains("os.environ/AWS_SECRET", shown, StringComparison.Ordinal);
        Assert.Contains("\"model\":\"openai/x\"", shown, StringComparison.Ordinal);
    }
}
