using System.Security.Cryptography;
using System.Text;

namespace Switchboard.Models;

/// <summary>
/// Encrypts the secret-bearing params of stored deployments (AES-256-GCM). The key is derived with HKDF-SHA256 from
/// <c>SWITCHBOARD_SALT_KEY</c>, else LiteLLM's <c>LITELLM_SALT_KEY</c>, else the master key; each value is bound to its
/// deployment id and param name (associated data), so a ciphertext moved to another row or field does not decrypt.
/// Stored form: <c>sbenc:v1:</c> + base64(nonce 12 | tag 16 | ciphertext).
/// </summary>
internal sealed class ModelSecretBox
{
    public const string Prefix = "sbenc:v1:";
    private const int NonceSize = 12;
    private const int TagSize = 16;

    private readonly byte[] _key;

    public ModelSecretBox(string saltKey, string source)
    {
        ArgumentException.ThrowIfNullOrEmpty(saltKey);
        Source = source;
        _key = HKDF.DeriveKey(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(saltKey), 32,
            Encoding.UTF8.GetBytes("switchboard/stored-model-secrets"), Encoding.UTF8.GetBytes("aes-256-gcm v1"));
    }

    /// <summary>Where the key came from (a name, never the value): for the message when stored values do not decrypt.</summary>
    public string Source { get; }

    /// <summary>The box of the salt key in force, or null when there is none (no salt key and no master key).</summary>
    public static ModelSecretBox? Resolve(string? masterKey, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        if (environment("SWITCHBOARD_SALT_KEY") is { Length: > 0 } own)
        {
            return new ModelSecretBox(own, "SWITCHBOARD_SALT_KEY");
        }

        if (environment("LITELLM_SALT_KEY") is { Length: > 0 } litellm)
        {
            return new ModelSecretBox(litellm, "LITELLM_SALT_KEY");
        }

        return string.IsNullOrEmpty(masterKey) ? null : new ModelSecretBox(masterKey, "general_settings.master_key");
    }

    public static bool IsEncrypted(string? value) => value is not null && value.StartsWith(Prefix, StringComparison.Ordinal);

    public string Encrypt(string plaintext, string deploymentId, string field)
    {
        ArgumentNullException.ThrowIfNull(plaintext);
        var clear = Encoding.UTF8.GetBytes(plaintext);
        var sealedBytes = new byte[NonceSize + TagSize + clear.Length];
        var nonce = sealedBytes.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, TagSize);
        aes.Encrypt(nonce, clear, sealedBytes.AsSpan(NonceSize + TagSize), sealedBytes.AsSpan(NonceSize, TagSize), Context(deploymentId, field));
        return Prefix + Convert.ToBase64String(sealedBytes);
    }

    /// <summary>Throws <see cref="CryptographicException"/> when the value was sealed with another key (or altered).</summary>
    public string Decrypt(string value, string deploymentId, string field)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (!IsEncrypted(value))
        {
            throw new CryptographicException("not an encrypted value");
        }

        byte[] sealedBytes;
        try
        {
            sealedBytes = Convert.FromBase64String(value[Prefix.Length..]);
        }
        catch (FormatException ex)
        {
            throw new CryptographicException("damaged encrypted value", ex);
        }

        if (sealedBytes.Length < NonceSize + TagSize)
        {
            throw new CryptographicException("damaged encrypted value");
        }

        var clear = new byte[sealedBytes.Length - NonceSize - TagSize];
        using var aes = new AesGcm(_key, TagSize);
        aes.Decrypt(sealedBytes.AsSpan(0, NonceSize), sealedBytes.AsSpan(NonceSize + TagSize), sealedBytes.AsSpan(NonceSize, TagSize), clear,
            Context(deploymentId, field));
        return Encoding.UTF8.GetString(clear);
    }

    private static byte[] Context(string deploymentId, string field) => Encoding.UTF8.GetBytes(deploymentId + "\0" + field);
}
