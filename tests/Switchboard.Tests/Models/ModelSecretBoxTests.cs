using System.Security.Cryptography;
using Switchboard.Models;

namespace Switchboard.Tests.Models;

public sealed class ModelSecretBoxTests
{
    [Fact]
    public void EncryptDecrypt_SameKeyIdAndField_RoundTripsWithoutPlaintext()
    {
        var box = new ModelSecretBox("sk-master-salt-000000", "test");

        var sealedValue = box.Encrypt("\"sk-upstream-secret-123\"", "dep-1", "api_key");

        Assert.StartsWith(ModelSecretBox.Prefix, sealedValue, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-upstream-secret-123", sealedValue, StringComparison.Ordinal);
        Assert.NotEqual(sealedValue, box.Encrypt("\"sk-upstream-secret-123\"", "dep-1", "api_key"));
        Assert.Equal("\"sk-upstream-secret-123\"", box.Decrypt(sealedValue, "dep-1", "api_key"));
    }

    [Fact]
    public void Decrypt_OtherKeyOrOtherRowOrField_Throws()
    {
        var box = new ModelSecretBox("sk-master-salt-000000", "test");
        var sealedValue = box.Encrypt("secret", "dep-1", "api_key");

        Assert.ThrowsAny<CryptographicException>(() => new ModelSecretBox("sk-master-salt-000001", "test").Decrypt(sealedValue, "dep-1", "api_key"));
        Assert.ThrowsAny<CryptographicException>(() => box.Decrypt(sealedValue, "dep-2", "api_key"));
        Assert.ThrowsAny<CryptographicException>(() => box.Decrypt(sealedValue, "dep-1", "extra_headers"));
        Assert.ThrowsAny<CryptographicException>(() => box.Decrypt(ModelSecretBox.Prefix + "not-base64!", "dep-1", "api_key"));
    }

    [Theory]
    [InlineData("own", "litellm", "master", "SWITCHBOARD_SALT_KEY")]
    [InlineData(null, "litellm", "master", "LITELLM_SALT_KEY")]
    [InlineData(null, null, "master", "general_settings.master_key")]
    [InlineData("", "", "master", "general_settings.master_key")]
    [InlineData(null, null, null, null)]
    public void Resolve_SaltKeySources_InLiteLlmOrder(string? own, string? litellm, string? master, string? expected)
    {
        var environment = new Dictionary<string, string?> { ["SWITCHBOARD_SALT_KEY"] = own, ["LITELLM_SALT_KEY"] = litellm };

        var box = ModelSecretBox.Resolve(master, name => environment.GetValueOrDefault(name));

        Assert.Equal(expected, box?.Source);
    }

    [Fact]
    public void Resolve_SameSaltKeyFromAnotherSource_DecryptsTheSame()
    {
        var fromEnvironment = ModelSecretBox.Resolve("sk-master", name => name == "SWITCHBOARD_SALT_KEY" ? "shared-salt" : null)!;
        var fromMaster = ModelSecretBox.Resolve("shared-salt", _ => null)!;

        Assert.Equal("v", fromMaster.Decrypt(fromEnvironment.Encrypt("v", "d", "api_key"), "d", "api_key"));
    }
}
