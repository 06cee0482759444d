using System.Text.Json;
using System.Text.Json.Nodes;
using Switchboard.Observability;

namespace Switchboard.Models;

/// <summary>
/// <c>litellm_params</c> between the caller's form, the stored form (secret-bearing values sealed by
/// <see cref="ModelSecretBox"/>) and the shown form (secrets masked). An <c>os.environ/NAME</c> reference is a value like
/// any other: it is stored (sealed) as the reference and resolved each time the deployment is loaded.
/// </summary>
internal static class StoredModelCodec
{
    /// <summary>Params that carry a credential: the key, headers (which may hold one), and anything named like a secret.</summary>
    public static bool IsSecret(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name is "api_key" or "extra_headers" or "headers"
            || name.EndsWith("_key", StringComparison.Ordinal)
            || name.Contains("secret", StringComparison.Ordinal)
            || name.Contains("password", StringComparison.Ordinal)
            || name.Contains("credential", StringComparison.Ordinal)
            || name.EndsWith("_token", StringComparison.Ordinal);
    }

    /// <summary>The stored JSON text: each secret value's JSON text sealed into a string.</summary>
    public static string Seal(JsonObject plain, string deploymentId, ModelSecretBox box)
    {
        ArgumentNullException.ThrowIfNull(plain);
        ArgumentNullException.ThrowIfNull(box);
        var stored = new JsonObject();
        foreach (var (name, value) in plain)
        {
            stored[name] = IsSecret(name) && value is not null
                ? JsonValue.Create(box.Encrypt(value.ToJsonString(), deploymentId, name))
                : value?.DeepClone();
        }

        return stored.ToJsonString();
    }

    /// <summary>The caller's params back from the stored text. Throws <see cref="System.Security.Cryptography.CryptographicException"/> on a wrong key.</summary>
    public static JsonObject Open(string stored, string deploymentId, ModelSecretBox box)
    {
        ArgumentNullException.ThrowIfNull(box);
        var plain = new JsonObject();
        foreach (var (name, value) in ParseObject(stored))
        {
            plain[name] = value is JsonValue v && v.GetValueKind() == JsonValueKind.String && v.GetValue<string>() is var text && ModelSecretBox.IsEncrypted(text)
                ? JsonNode.Parse(box.Decrypt(text, deploymentId, name))
                : value?.DeepClone();
        }

        return plain;
    }

    /// <summary>For answers: every secret value masked (an <c>os.environ/NAME</c> reference is shown, it holds no secret).</summary>
    public static JsonObject Masked(JsonObject plain)
    {
        ArgumentNullException.ThrowIfNull(plain);
        var shown = new JsonObject();
        foreach (var (name, value) in plain)
        {
            if (!IsSecret(name) || value is null)
            {
                shown[name] = value?.DeepClone();
                continue;
            }

            var text = value is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;
            shown[name] = JsonValue.Create(text is not null && text.StartsWith("os.environ/", StringComparison.Ordinal) ? text
                : text is not null ? KeyMask.Mask(text) : "***");
        }

        return shown;
    }

    /// <summary>Every plain secret string in the params (to mask them in error texts before the redactor knows them).</summary>
    public static IEnumerable<string> SecretValues(JsonObject plain)
    {
        ArgumentNullException.ThrowIfNull(plain);
        foreach (var (name, value) in plain)
        {
            if (IsSecret(name) && value is JsonValue v && v.GetValueKind() == JsonValueKind.String)
            {
                yield return v.GetValue<string>();
            }
            else if (IsSecret(name) && value is JsonObject headers)
            {
                foreach (var (_, header) in headers)
                {
                    if (header is JsonValue hv && hv.GetValueKind() == JsonValueKind.String)
                    {
                        yield return hv.GetValue<string>();
                    }
                }
            }
        }
    }

    public static JsonObject ParseObject(string json) =>
        JsonNode.Parse(json) as JsonObject ?? throw new FormatException("a stored deployment column is not a JSON object");

    /// <summary>The <c>model_list</c> entry the config parser checks.</summary>
    public static string Entry(string modelName, JsonObject plainParams, JsonObject modelInfo) =>
        new JsonObject
        {
            ["model_name"] = modelName,
            ["litellm_params"] = plainParams.DeepClone(),
            ["model_info"] = modelInfo.DeepClone(),
        }.ToJsonString();
}
